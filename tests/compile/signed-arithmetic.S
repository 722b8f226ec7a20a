; tracepoint:syscalls/sys_exit_read { @[data->ret / -2, data->ret % 3] = sum(data->ret >> 1); }
   0: (bf) r6 = r1
   1: (79) r7 = *(u64 *)(r6 +16)
   2: (c7) r7 s>>= 1
   3: (79) r8 = *(u64 *)(r6 +16)
   4: (b7) r9 = -2
   5: (bf) r1 = r8
   6: (bf) r2 = r9
   7: (b7) r3 = 0
   8: (75) if r1 s>= 0x0 goto pc+2
   9: (87) r1 = -r1
  10: (b7) r3 = 1
  11: (75) if r2 s>= 0x0 goto pc+2
  12: (87) r2 = -r2
  13: (a7) r3 ^= 1
  14: (3f) r1 /= r2
  15: (15) if r3 == 0x0 goto pc+1
  16: (87) r1 = -r1
  17: (bf) r8 = r1
  18: (7b) *(u64 *)(r10 -16) = r8
  19: (79) r8 = *(u64 *)(r6 +16)
  20: (b7) r9 = 3
  21: (bf) r1 = r8
  22: (bf) r2 = r9
  23: (b7) r3 = 0
  24: (75) if r1 s>= 0x0 goto pc+2
  25: (87) r1 = -r1
  26: (b7) r3 = 1
  27: (75) if r2 s>= 0x0 goto pc+1
  28: (87) r2 = -r2
  29: (9f) r1 %= r2
  30: (15) if r3 == 0x0 goto pc+1
  31: (87) r1 = -r1
  32: (bf) r8 = r1
  33: (7b) *(u64 *)(r10 -8) = r8
  34: (18) r1 = map[fd:0]
  36: (bf) r2 = r10
  37: (07) r2 += -16
  38: (85) call bpf_map_lookup_elem#1
  39: (55) if r0 != 0x0 goto pc+26
  40: (7a) *(u64 *)(r10 -24) = 0
  41: (bf) r3 = r10
  42: (07) r3 += -24
  43: (18) r1 = map[fd:0]
  45: (bf) r2 = r10
  46: (07) r2 += -16
  47: (b7) r4 = 1
  48: (85) call bpf_map_update_elem#2
  49: (18) r1 = map[fd:0]
  51: (bf) r2 = r10
  52: (07) r2 += -16
  53: (85) call bpf_map_lookup_elem#1
  54: (55) if r0 != 0x0 goto pc+11
  55: (62) *(u32 *)(r10 -32) = 0
  56: (18) r1 = map[fd:2]
  58: (bf) r2 = r10
  59: (07) r2 += -32
  60: (85) call bpf_map_lookup_elem#1
  61: (15) if r0 == 0x0 goto pc+3
  62: (79) r1 = *(u64 *)(r0 +0)
  63: (07) r1 += 1
  64: (7b) *(u64 *)(r0 +0) = r1
  65: (05) goto pc+3
  66: (79) r1 = *(u64 *)(r0 +0)
  67: (0f) r1 += r7
  68: (7b) *(u64 *)(r0 +0) = r1
  69: (b7) r0 = 0
  70: (95) exit
