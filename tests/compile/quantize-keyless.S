; tracepoint:syscalls/sys_exit_read { @ = quantize(data->ret); }
   0: (bf) r6 = r1
   1: (79) r7 = *(u64 *)(r6 +16)
   2: (62) *(u32 *)(r10 -8) = 0
   3: (18) r1 = map[fd:0]
   5: (bf) r2 = r10
   6: (07) r2 += -8
   7: (85) call bpf_map_lookup_elem#1
   8: (15) if r0 == 0x0 goto pc+30
   9: (b7) r1 = 0
  10: (bf) r2 = r7
  11: (75) if r2 s>= 0x0 goto pc+2
  12: (b7) r1 = 63
  13: (05) goto pc+20
  14: (bf) r3 = r2
  15: (77) r3 >>= 32
  16: (15) if r3 == 0x0 goto pc+2
  17: (bf) r2 = r3
  18: (b7) r1 = 32
  19: (b5) if r2 <= 0xffff goto pc+2
  20: (77) r2 >>= 16
  21: (07) r1 += 16
  22: (b5) if r2 <= 0xff goto pc+2
  23: (77) r2 >>= 8
  24: (07) r1 += 8
  25: (b5) if r2 <= 0xf goto pc+2
  26: (77) r2 >>= 4
  27: (07) r1 += 4
  28: (b5) if r2 <= 0x3 goto pc+2
  29: (77) r2 >>= 2
  30: (07) r1 += 2
  31: (b5) if r2 <= 0x1 goto pc+2
  32: (77) r2 >>= 1
  33: (07) r1 += 1
  34: (67) r1 <<= 3
  35: (0f) r0 += r1
  36: (79) r1 = *(u64 *)(r0 +0)
  37: (07) r1 += 1
  38: (7b) *(u64 *)(r0 +0) = r1
  39: (b7) r0 = 0
  40: (95) exit
