; tracepoint:syscalls/sys_enter_read { start[tid] = nsecs; }
   0: (bf) r6 = r1
   1: (62) *(u32 *)(r10 -8) = 0
   2: (18) r1 = map[idx:5]
   4: (bf) r2 = r10
   5: (07) r2 += -8
   6: (85) call bpf_map_lookup_elem#1
   7: (15) if r0 == 0x0 goto pc+39
   8: (79) r0 = *(u64 *)(r0 +0)
   9: (55) if r0 != 0x1 goto pc+37
  10: (85) call bpf_ktime_get_ns#5
  11: (bf) r7 = r0
  12: (7b) *(u64 *)(r10 -8) = r7
  13: (85) call bpf_get_current_pid_tgid#14
  14: (bc) w7 = w0
  15: (63) *(u32 *)(r10 -16) = r7
  16: (18) r1 = map[idx:0]
  18: (bf) r2 = r10
  19: (07) r2 += -16
  20: (bf) r3 = r10
  21: (07) r3 += -8
  22: (b7) r4 = 0
  23: (85) call bpf_map_update_elem#2
  24: (15) if r0 == 0x0 goto pc+22
  25: (55) if r0 != 0xfffffff9 goto pc+11
  26: (62) *(u32 *)(r10 -24) = 0
  27: (18) r1 = map[idx:4]
  29: (bf) r2 = r10
  30: (07) r2 += -24
  31: (85) call bpf_map_lookup_elem#1
  32: (15) if r0 == 0x0 goto pc+3
  33: (79) r1 = *(u64 *)(r0 +0)
  34: (07) r1 += 1
  35: (7b) *(u64 *)(r0 +0) = r1
  36: (05) goto pc+10
  37: (62) *(u32 *)(r10 -24) = 1
  38: (18) r1 = map[idx:4]
  40: (bf) r2 = r10
  41: (07) r2 += -24
  42: (85) call bpf_map_lookup_elem#1
  43: (15) if r0 == 0x0 goto pc+3
  44: (79) r1 = *(u64 *)(r0 +0)
  45: (07) r1 += 1
  46: (7b) *(u64 *)(r0 +0) = r1
  47: (b7) r0 = 0
  48: (95) exit
; tracepoint:syscalls/sys_exit_read / start[tid] /
   0: (bf) r6 = r1
   1: (62) *(u32 *)(r10 -8) = 0
   2: (18) r1 = map[idx:5]
   4: (bf) r2 = r10
   5: (07) r2 += -8
   6: (85) call bpf_map_lookup_elem#1
   7: (15) if r0 == 0x0 goto pc+75
   8: (79) r0 = *(u64 *)(r0 +0)
   9: (55) if r0 != 0x1 goto pc+73
  10: (7a) *(u64 *)(r10 -8) = 0
  11: (85) call bpf_get_current_pid_tgid#14
  12: (bc) w8 = w0
  13: (63) *(u32 *)(r10 -16) = r8
  14: (18) r1 = map[idx:0]
  16: (bf) r2 = r10
  17: (07) r2 += -16
  18: (85) call bpf_map_lookup_elem#1
  19: (b7) r7 = 0
  20: (15) if r0 == 0x0 goto pc+1
  21: (79) r7 = *(u64 *)(r0 +0)
  22: (15) if r7 == 0x0 goto pc+60
; $delta = nsecs - start[tid];
  23: (85) call bpf_ktime_get_ns#5
  24: (bf) r7 = r0
  25: (85) call bpf_get_current_pid_tgid#14
  26: (bc) w9 = w0
  27: (63) *(u32 *)(r10 -16) = r9
  28: (18) r1 = map[idx:0]
  30: (bf) r2 = r10
  31: (07) r2 += -16
  32: (85) call bpf_map_lookup_elem#1
  33: (b7) r8 = 0
  34: (15) if r0 == 0x0 goto pc+1
  35: (79) r8 = *(u64 *)(r0 +0)
  36: (1f) r7 -= r8
  37: (7b) *(u64 *)(r10 -8) = r7
; @us = lhist($delta / 1000, 0, 100, 10);
  38: (79) r7 = *(u64 *)(r10 -8)
  39: (37) r7 /= 1000
  40: (62) *(u32 *)(r10 -16) = 0
  41: (18) r1 = map[idx:1]
  43: (bf) r2 = r10
  44: (07) r2 += -16
  45: (85) call bpf_map_lookup_elem#1
  46: (15) if r0 == 0x0 goto pc+14
  47: (b7) r1 = 0
  48: (c5) if r7 s< 0x0 goto pc+7
  49: (b7) r1 = 11
  50: (75) if r7 s>= 0x64 goto pc+5
  51: (bf) r1 = r7
  52: (37) r1 /= 10
  53: (07) r1 += 1
  54: (b5) if r1 <= 0xb goto pc+1
  55: (b7) r1 = 11
  56: (67) r1 <<= 3
  57: (0f) r0 += r1
  58: (79) r1 = *(u64 *)(r0 +0)
  59: (07) r1 += 1
  60: (7b) *(u64 *)(r0 +0) = r1
; @max = max($delta);
  61: (79) r7 = *(u64 *)(r10 -8)
  62: (62) *(u32 *)(r10 -16) = 0
  63: (18) r1 = map[idx:2]
  65: (bf) r2 = r10
  66: (07) r2 += -16
  67: (85) call bpf_map_lookup_elem#1
  68: (15) if r0 == 0x0 goto pc+6
  69: (79) r1 = *(u64 *)(r0 +8)
  70: (15) if r1 == 0x0 goto pc+2
  71: (79) r1 = *(u64 *)(r0 +0)
  72: (bd) if r7 <= r1 goto pc+2
  73: (7b) *(u64 *)(r0 +0) = r7
  74: (7a) *(u64 *)(r0 +8) = 1
; delete start[tid];
  75: (85) call bpf_get_current_pid_tgid#14
  76: (bc) w7 = w0
  77: (63) *(u32 *)(r10 -16) = r7
  78: (18) r1 = map[idx:0]
  80: (bf) r2 = r10
  81: (07) r2 += -16
  82: (85) call bpf_map_delete_elem#3
  83: (b7) r0 = 0
  84: (95) exit
