; tracepoint:syscalls/sys_enter_read { @[comm] = count(); }
   0: (bf) r6 = r1
   1: (62) *(u32 *)(r10 -8) = 0
   2: (18) r1 = map[fd:3]
   4: (bf) r2 = r10
   5: (07) r2 += -8
   6: (85) call bpf_map_lookup_elem#1
   7: (15) if r0 == 0x0 goto pc+57
   8: (79) r0 = *(u64 *)(r0 +0)
   9: (55) if r0 != 0x1 goto pc+55
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
  21: (55) if r0 != 0x0 goto pc+40
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
  36: (55) if r0 != 0x0 goto pc+25
  37: (bf) r3 = r10
  38: (07) r3 += -24
  39: (18) r1 = map[fd:0]
  41: (bf) r2 = r10
  42: (07) r2 += -16
  43: (b7) r4 = 1
  44: (85) call bpf_map_update_elem#2
  45: (18) r1 = map[fd:0]
  47: (bf) r2 = r10
  48: (07) r2 += -16
  49: (85) call bpf_map_lookup_elem#1
  50: (55) if r0 != 0x0 goto pc+11
  51: (62) *(u32 *)(r10 -32) = 0
  52: (18) r1 = map[fd:2]
  54: (bf) r2 = r10
  55: (07) r2 += -32
  56: (85) call bpf_map_lookup_elem#1
  57: (15) if r0 == 0x0 goto pc+3
  58: (79) r1 = *(u64 *)(r0 +0)
  59: (07) r1 += 1
  60: (7b) *(u64 *)(r0 +0) = r1
  61: (05) goto pc+3
  62: (79) r1 = *(u64 *)(r0 +0)
  63: (07) r1 += 1
  64: (7b) *(u64 *)(r0 +0) = r1
  65: (b7) r0 = 0
  66: (95) exit
