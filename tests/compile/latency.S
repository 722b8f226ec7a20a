; tracepoint:syscalls/sys_enter_read { start[tid] = nsecs; }
   0: (bf) r6 = r1
   1: (85) call bpf_ktime_get_ns#5
   2: (bf) r7 = r0
   3: (7b) *(u64 *)(r10 -8) = r7
   4: (85) call bpf_get_current_pid_tgid#14
   5: (bc) w7 = w0
   6: (63) *(u32 *)(r10 -16) = r7
   7: (18) r1 = map[fd:0]
   9: (bf) r2 = r10
  10: (07) r2 += -16
  11: (bf) r3 = r10
  12: (07) r3 += -8
  13: (b7) r4 = 0
  14: (85) call bpf_map_update_elem#2
  15: (15) if r0 == 0x0 goto pc+10
  16: (62) *(u32 *)(r10 -24) = 0
  17: (18) r1 = map[fd:4]
  19: (bf) r2 = r10
  20: (07) r2 += -24
  21: (85) call bpf_map_lookup_elem#1
  22: (15) if r0 == 0x0 goto pc+3
  23: (79) r1 = *(u64 *)(r0 +0)
  24: (07) r1 += 1
  25: (7b) *(u64 *)(r0 +0) = r1
  26: (b7) r0 = 0
  27: (95) exit
; tracepoint:syscalls/sys_exit_read / start[tid] /
   0: (bf) r6 = r1
   1: (7a) *(u64 *)(r10 -8) = 0
   2: (85) call bpf_get_current_pid_tgid#14
   3: (bc) w8 = w0
   4: (63) *(u32 *)(r10 -16) = r8
   5: (18) r1 = map[fd:0]
   7: (bf) r2 = r10
   8: (07) r2 += -16
   9: (85) call bpf_map_lookup_elem#1
  10: (b7) r7 = 0
  11: (15) if r0 == 0x0 goto pc+1
  12: (79) r7 = *(u64 *)(r0 +0)
  13: (15) if r7 == 0x0 goto pc+60
; $delta = nsecs - start[tid];
  14: (85) call bpf_ktime_get_ns#5
  15: (bf) r7 = r0
  16: (85) call bpf_get_current_pid_tgid#14
  17: (bc) w9 = w0
  18: (63) *(u32 *)(r10 -16) = r9
  19: (18) r1 = map[fd:0]
  21: (bf) r2 = r10
  22: (07) r2 += -16
  23: (85) call bpf_map_lookup_elem#1
  24: (b7) r8 = 0
  25: (15) if r0 == 0x0 goto pc+1
  26: (79) r8 = *(u64 *)(r0 +0)
  27: (1f) r7 -= r8
  28: (7b) *(u64 *)(r10 -8) = r7
; @us = lhist($delta / 1000, 0, 100, 10);
  29: (79) r7 = *(u64 *)(r10 -8)
  30: (37) r7 /= 1000
  31: (62) *(u32 *)(r10 -16) = 0
  32: (18) r1 = map[fd:1]
  34: (bf) r2 = r10
  35: (07) r2 += -16
  36: (85) call bpf_map_lookup_elem#1
  37: (15) if r0 == 0x0 goto pc+14
  38: (b7) r1 = 0
  39: (c5) if r7 s< 0x0 goto pc+7
  40: (b7) r1 = 11
  41: (75) if r7 s>= 0x64 goto pc+5
  42: (bf) r1 = r7
  43: (37) r1 /= 10
  44: (07) r1 += 1
  45: (b5) if r1 <= 0xb goto pc+1
  46: (b7) r1 = 11
  47: (67) r1 <<= 3
  48: (0f) r0 += r1
  49: (79) r1 = *(u64 *)(r0 +0)
  50: (07) r1 += 1
  51: (7b) *(u64 *)(r0 +0) = r1
; @max = max($delta);
  52: (79) r7 = *(u64 *)(r10 -8)
  53: (62) *(u32 *)(r10 -16) = 0
  54: (18) r1 = map[fd:2]
  56: (bf) r2 = r10
  57: (07) r2 += -16
  58: (85) call bpf_map_lookup_elem#1
  59: (15) if r0 == 0x0 goto pc+6
  60: (79) r1 = *(u64 *)(r0 +8)
  61: (15) if r1 == 0x0 goto pc+2
  62: (79) r1 = *(u64 *)(r0 +0)
  63: (bd) if r7 <= r1 goto pc+2
  64: (7b) *(u64 *)(r0 +0) = r7
  65: (7a) *(u64 *)(r0 +8) = 1
; delete start[tid];
  66: (85) call bpf_get_current_pid_tgid#14
  67: (bc) w7 = w0
  68: (63) *(u32 *)(r10 -16) = r7
  69: (18) r1 = map[fd:0]
  71: (bf) r2 = r10
  72: (07) r2 += -16
  73: (85) call bpf_map_delete_elem#3
  74: (b7) r0 = 0
  75: (95) exit
