; tracepoint:syscalls/sys_exit_read { @ = quantize(data->ret); }
   0: (bf) r6 = r1
   1: (62) *(u32 *)(r10 -8) = 0
   2: (18) r1 = map[idx:3]
   4: (bf) r2 = r10
   5: (07) r2 += -8
   6: (85) call bpf_map_lookup_elem#1
   7: (15) if r0 == 0x0 goto pc+40
   8: (79) r0 = *(u64 *)(r0 +0)
   9: (55) if r0 != 0x1 goto pc+38
  10: (79) r7 = *(u64 *)(r6 +16)
  11: (62) *(u32 *)(r10 -8) = 0
  12: (18) r1 = map[idx:0]
  14: (bf) r2 = r10
  15: (07) r2 += -8
  16: (85) call bpf_map_lookup_elem#1
  17: (15) if r0 == 0x0 goto pc+30
  18: (b7) r1 = 0
  19: (bf) r2 = r7
  20: (75) if r2 s>= 0x0 goto pc+2
  21: (b7) r1 = 63
  22: (05) goto pc+20
  23: (bf) r3 = r2
  24: (77) r3 >>= 32
  25: (15) if r3 == 0x0 goto pc+2
  26: (bf) r2 = r3
  27: (b7) r1 = 32
  28: (b5) if r2 <= 0xffff goto pc+2
  29: (77) r2 >>= 16
  30: (07) r1 += 16
  31: (b5) if r2 <= 0xff goto pc+2
  32: (77) r2 >>= 8
  33: (07) r1 += 8
  34: (b5) if r2 <= 0xf goto pc+2
  35: (77) r2 >>= 4
  36: (07) r1 += 4
  37: (b5) if r2 <= 0x3 goto pc+2
  38: (77) r2 >>= 2
  39: (07) r1 += 2
  40: (b5) if r2 <= 0x1 goto pc+2
  41: (77) r2 >>= 1
  42: (07) r1 += 1
  43: (67) r1 <<= 3
  44: (0f) r0 += r1
  45: (79) r1 = *(u64 *)(r0 +0)
  46: (07) r1 += 1
  47: (7b) *(u64 *)(r0 +0) = r1
  48: (b7) r0 = 0
  49: (95) exit
