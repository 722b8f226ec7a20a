; tracepoint:syscalls/sys_enter_read { @[comm] = count(); }
   0: (bf) r6 = r1
   1: (62) *(u32 *)(r10 -8) = 0
   2: (18) r1 = map[idx:3]
   4: (bf) r2 = r10
   5: (07) r2 += -8
   6: (85) call bpf_map_lookup_elem#1
   7: (15) if r0 == 0x0 goto pc+70
   8: (79) r0 = *(u64 *)(r0 +0)
   9: (55) if r0 != 0x1 goto pc+68
  10: (7a) *(u64 *)(r10 -16) = 0
  11: (7a) *(u64 *)(r10 -8) = 0
  12: (bf) r1 = r10
  13: (07) r1 += -16
  14: (b7) r2 = 16
  15: (85) call bpf_get_current_comm#16
  16: (18) r1 = map[idx:0]
  18: (bf) r2 = r10
  19: (07) r2 += -16
  20: (85) call bpf_map_lookup_elem#1
  21: (55) if r0 != 0x0 goto pc+53
  22: (7a) *(u64 *)(r10 -24) = 0
  23: (bf) r3 = r10
  24: (07) r3 += -24
  25: (18) r1 = map[idx:0]
  27: (bf) r2 = r10
  28: (07) r2 += -16
  29: (b7) r4 = 1
  30: (85) call bpf_map_update_elem#2
  31: (15) if r0 == 0xfffffff9 goto pc+32
  32: (18) r1 = map[idx:0]
  34: (bf) r2 = r10
  35: (07) r2 += -16
  36: (85) call bpf_map_lookup_elem#1
  37: (55) if r0 != 0x0 goto pc+37
  38: (bf) r3 = r10
  39: (07) r3 += -24
  40: (18) r1 = map[idx:0]
  42: (bf) r2 = r10
  43: (07) r2 += -16
  44: (b7) r4 = 1
  45: (85) call bpf_map_update_elem#2
  46: (15) if r0 == 0xfffffff9 goto pc+17
  47: (18) r1 = map[idx:0]
  49: (bf) r2 = r10
  50: (07) r2 += -16
  51: (85) call bpf_map_lookup_elem#1
  52: (55) if r0 != 0x0 goto pc+22
  53: (62) *(u32 *)(r10 -32) = 0
  54: (18) r1 = map[idx:2]
  56: (bf) r2 = r10
  57: (07) r2 += -32
  58: (85) call bpf_map_lookup_elem#1
  59: (15) if r0 == 0x0 goto pc+3
  60: (79) r1 = *(u64 *)(r0 +0)
  61: (07) r1 += 1
  62: (7b) *(u64 *)(r0 +0) = r1
  63: (05) goto pc+14
  64: (62) *(u32 *)(r10 -32) = 1
  65: (18) r1 = map[idx:2]
  67: (bf) r2 = r10
  68: (07) r2 += -32
  69: (85) call bpf_map_lookup_elem#1
  70: (15) if r0 == 0x0 goto pc+3
  71: (79) r1 = *(u64 *)(r0 +0)
  72: (07) r1 += 1
  73: (7b) *(u64 *)(r0 +0) = r1
  74: (05) goto pc+3
  75: (79) r1 = *(u64 *)(r0 +0)
  76: (07) r1 += 1
  77: (7b) *(u64 *)(r0 +0) = r1
  78: (b7) r0 = 0
  79: (95) exit
