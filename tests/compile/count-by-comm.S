; tracepoint:syscalls/sys_enter_read { @[comm] = count(); }
   0: (bf) r6 = r1
   1: (62) *(u32 *)(r10 -8) = 0
   2: (18) r1 = map[fd:3]
   4: (bf) r2 = r10
   5: (07) r2 += -8
   6: (85) call bpf_map_lookup_elem#1
   7: (15) if r0 == 0x0 goto pc+43
   8: (79) r0 = *(u64 *)(r0 +0)
   9: (55) if r0 != 0x1 goto pc+41
  10: (7a) *(u64 *)(r10 -16) = 0
  11: (7a) *(u64 *)(r10 -8) = 0
  12: (bf) r1 = r10
  13: (07) r1 += -16
  14: (b7) r2 = 16
  15: (85) call bpf_get_current_comm#16
  16: (18) r1 = map[fd:0]
  18: (bf) r2 = r10
  19: (07) r2 += -16
  20: (85) call bpf_map_lookup_elem#1
  21: (55) if r0 != 0x0 goto pc+26
  22: (7a) *(u64 *)(r10 -24) = 0
  23: (bf) r3 = r10
  24: (07) r3 += -24
  25: (18) r1 = map[fd:0]
  27: (bf) r2 = r10
  28: (07) r2 += -16
  29: (b7) r4 = 1
  30: (85) call bpf_map_update_elem#2
  31: (18) r1 = map[fd:0]
  33: (bf) r2 = r10
  34: (07) r2 += -16
  35: (85) call bpf_map_lookup_elem#1
  36: (55) if r0 != 0x0 goto pc+11
  37: (62) *(u32 *)(r10 -32) = 0
  38: (18) r1 = map[fd:2]
  40: (bf) r2 = r10
  41: (07) r2 += -32
  42: (85) call bpf_map_lookup_elem#1
  43: (15) if r0 == 0x0 goto pc+3
  44: (79) r1 = *(u64 *)(r0 +0)
  45: (07) r1 += 1
  46: (7b) *(u64 *)(r0 +0) = r1
  47: (05) goto pc+3
  48: (79) r1 = *(u64 *)(r0 +0)
  49: (07) r1 += 1
  50: (7b) *(u64 *)(r0 +0) = r1
  51: (b7) r0 = 0
  52: (95) exit
