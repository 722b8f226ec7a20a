; BEGIN { $x = (int8)-1; if (pid) { exit($x); } exit(); }
   0: (bf) r6 = r1
   1: (72) *(u8 *)(r10 -8) = 0
   2: (b7) r7 = -1
   3: (67) r7 <<= 56
   4: (c7) r7 s>>= 56
   5: (73) *(u8 *)(r10 -8) = r7
   6: (85) call bpf_get_current_pid_tgid#14
   7: (bf) r7 = r0
   8: (77) r7 >>= 32
   9: (15) if r7 == 0x0 goto pc+33
  10: (62) *(u32 *)(r10 -16) = 0
  11: (18) r1 = map[idx:2]
  13: (bf) r2 = r10
  14: (07) r2 += -16
  15: (85) call bpf_map_lookup_elem#1
  16: (15) if r0 == 0x0 goto pc+1
  17: (7a) *(u64 *)(r0 +0) = 2
  18: (71) r7 = *(u8 *)(r10 -8)
  19: (67) r7 <<= 56
  20: (c7) r7 s>>= 56
  21: (7b) *(u64 *)(r10 -16) = r7
  22: (7a) *(u64 *)(r10 -24) = 0
  23: (bf) r0 = r10
  24: (07) r0 += -24
  25: (bf) r2 = r0
  26: (18) r1 = map[idx:0]
  28: (b7) r3 = 16
  29: (b7) r4 = 0
  30: (85) call bpf_ringbuf_output#130
  31: (15) if r0 == 0x0 goto pc+10
  32: (62) *(u32 *)(r10 -32) = 0
  33: (18) r1 = map[idx:1]
  35: (bf) r2 = r10
  36: (07) r2 += -32
  37: (85) call bpf_map_lookup_elem#1
  38: (15) if r0 == 0x0 goto pc+3
  39: (79) r1 = *(u64 *)(r0 +0)
  40: (07) r1 += 1
  41: (7b) *(u64 *)(r0 +0) = r1
  42: (05) goto pc+31
  43: (62) *(u32 *)(r10 -16) = 0
  44: (18) r1 = map[idx:2]
  46: (bf) r2 = r10
  47: (07) r2 += -16
  48: (85) call bpf_map_lookup_elem#1
  49: (15) if r0 == 0x0 goto pc+1
  50: (7a) *(u64 *)(r0 +0) = 2
  51: (b7) r7 = 0
  52: (7b) *(u64 *)(r10 -16) = r7
  53: (7a) *(u64 *)(r10 -24) = 1
  54: (bf) r0 = r10
  55: (07) r0 += -24
  56: (bf) r2 = r0
  57: (18) r1 = map[idx:0]
  59: (b7) r3 = 16
  60: (b7) r4 = 0
  61: (85) call bpf_ringbuf_output#130
  62: (15) if r0 == 0x0 goto pc+10
  63: (62) *(u32 *)(r10 -32) = 1
  64: (18) r1 = map[idx:1]
  66: (bf) r2 = r10
  67: (07) r2 += -32
  68: (85) call bpf_map_lookup_elem#1
  69: (15) if r0 == 0x0 goto pc+3
  70: (79) r1 = *(u64 *)(r0 +0)
  71: (07) r1 += 1
  72: (7b) *(u64 *)(r0 +0) = r1
  73: (05) goto pc+0
  74: (b7) r0 = 0
  75: (95) exit
