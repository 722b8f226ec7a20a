; tracepoint:syscalls/sys_exit_read { @[data->ret / -2, data->ret % 3] = sum(data->ret >> 1); }
   0: (bf) r6 = r1
   1: (62) *(u32 *)(r10 -8) = 0
   2: (18) r1 = map[idx:3]
   4: (bf) r2 = r10
   5: (07) r2 += -8
   6: (85) call bpf_map_lookup_elem#1
   7: (15) if r0 == 0x0 goto pc+97
   8: (79) r0 = *(u64 *)(r0 +0)
   9: (55) if r0 != 0x1 goto pc+95
  10: (79) r7 = *(u64 *)(r6 +16)
  11: (c7) r7 s>>= 1
  12: (79) r8 = *(u64 *)(r6 +16)
  13: (b7) r9 = -2
  14: (bf) r1 = r8
  15: (bf) r2 = r9
  16: (b7) r3 = 0
  17: (75) if r1 s>= 0x0 goto pc+2
  18: (87) r1 = -r1
  19: (b7) r3 = 1
  20: (75) if r2 s>= 0x0 goto pc+2
  21: (87) r2 = -r2
  22: (a7) r3 ^= 1
  23: (3f) r1 /= r2
  24: (15) if r3 == 0x0 goto pc+1
  25: (87) r1 = -r1
  26: (bf) r8 = r1
  27: (7b) *(u64 *)(r10 -16) = r8
  28: (79) r8 = *(u64 *)(r6 +16)
  29: (b7) r9 = 3
  30: (bf) r1 = r8
  31: (bf) r2 = r9
  32: (b7) r3 = 0
  33: (75) if r1 s>= 0x0 goto pc+2
  34: (87) r1 = -r1
  35: (b7) r3 = 1
  36: (75) if r2 s>= 0x0 goto pc+1
  37: (87) r2 = -r2
  38: (9f) r1 %= r2
  39: (15) if r3 == 0x0 goto pc+1
  40: (87) r1 = -r1
  41: (bf) r8 = r1
  42: (7b) *(u64 *)(r10 -8) = r8
  43: (18) r1 = map[idx:0]
  45: (bf) r2 = r10
  46: (07) r2 += -16
  47: (85) call bpf_map_lookup_elem#1
  48: (55) if r0 != 0x0 goto pc+53
  49: (7a) *(u64 *)(r10 -24) = 0
  50: (bf) r3 = r10
  51: (07) r3 += -24
  52: (18) r1 = map[idx:0]
  54: (bf) r2 = r10
  55: (07) r2 += -16
  56: (b7) r4 = 1
  57: (85) call bpf_map_update_elem#2
  58: (15) if r0 == 0xfffffff9 goto pc+32
  59: (18) r1 = map[idx:0]
  61: (bf) r2 = r10
  62: (07) r2 += -16
  63: (85) call bpf_map_lookup_elem#1
  64: (55) if r0 != 0x0 goto pc+37
  65: (bf) r3 = r10
  66: (07) r3 += -24
  67: (18) r1 = map[idx:0]
  69: (bf) r2 = r10
  70: (07) r2 += -16
  71: (b7) r4 = 1
  72: (85) call bpf_map_update_elem#2
  73: (15) if r0 == 0xfffffff9 goto pc+17
  74: (18) r1 = map[idx:0]
  76: (bf) r2 = r10
  77: (07) r2 += -16
  78: (85) call bpf_map_lookup_elem#1
  79: (55) if r0 != 0x0 goto pc+22
  80: (62) *(u32 *)(r10 -32) = 0
  81: (18) r1 = map[idx:2]
  83: (bf) r2 = r10
  84: (07) r2 += -32
  85: (85) call bpf_map_lookup_elem#1
  86: (15) if r0 == 0x0 goto pc+3
  87: (79) r1 = *(u64 *)(r0 +0)
  88: (07) r1 += 1
  89: (7b) *(u64 *)(r0 +0) = r1
  90: (05) goto pc+14
  91: (62) *(u32 *)(r10 -32) = 1
  92: (18) r1 = map[idx:2]
  94: (bf) r2 = r10
  95: (07) r2 += -32
  96: (85) call bpf_map_lookup_elem#1
  97: (15) if r0 == 0x0 goto pc+3
  98: (79) r1 = *(u64 *)(r0 +0)
  99: (07) r1 += 1
 100: (7b) *(u64 *)(r0 +0) = r1
 101: (05) goto pc+3
 102: (79) r1 = *(u64 *)(r0 +0)
 103: (0f) r1 += r7
 104: (7b) *(u64 *)(r0 +0) = r1
 105: (b7) r0 = 0
 106: (95) exit
