; tracepoint:syscalls/sys_enter_read { @[comm] = count(); }
   0: (bf) r6 = r1
   1: (7a) *(u64 *)(r10 -16) = 0
   2: (7a) *(u64 *)(r10 -8) = 0
   3: (bf) r1 = r10
   4: (07) r1 += -16
   5: (b7) r2 = 16
   6: (85) call bpf_get_current_comm#16
   7: (18) r1 = map[fd:0]
   9: (bf) r2 = r10
  10: (07) r2 += -16
  11: (85) call bpf_map_lookup_elem#1
  12: (55) if r0 != 0x0 goto pc+26
  13: (7a) *(u64 *)(r10 -24) = 0
  14: (bf) r3 = r10
  15: (07) r3 += -24
  16: (18) r1 = map[fd:0]
  18: (bf) r2 = r10
  19: (07) r2 += -16
  20: (b7) r4 = 1
  21: (85) call bpf_map_update_elem#2
  22: (18) r1 = map[fd:0]
  24: (bf) r2 = r10
  25: (07) r2 += -16
  26: (85) call bpf_map_lookup_elem#1
  27: (55) if r0 != 0x0 goto pc+11
  28: (62) *(u32 *)(r10 -32) = 0
  29: (18) r1 = map[fd:2]
  31: (bf) r2 = r10
  32: (07) r2 += -32
  33: (85) call bpf_map_lookup_elem#1
  34: (15) if r0 == 0x0 goto pc+3
  35: (79) r1 = *(u64 *)(r0 +0)
  36: (07) r1 += 1
  37: (7b) *(u64 *)(r0 +0) = r1
  38: (05) goto pc+3
  39: (79) r1 = *(u64 *)(r0 +0)
  40: (07) r1 += 1
  41: (7b) *(u64 *)(r0 +0) = r1
  42: (b7) r0 = 0
  43: (95) exit
