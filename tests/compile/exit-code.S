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
   9: (15) if r7 == 0x0 goto pc+31
  10: (62) *(u32 *)(r10 -16) = 0
  11: (18) r1 = map[idx:2]
  13: (bf) r2 = r10
  14: (07) r2 += -16
  15: (85) call bpf_map_lookup_elem#1
  16: (15) if r0 == 0x0 goto pc+1
  17: (7a) *(u64 *)(r0 +0) = 2
  18: (71) r7 = *(u8 *)(r10 -8)
  19: (7b) *(u64 *)(r10 -16) = r7
  20: (7a) *(u64 *)(r10 -24) = 0
  21: (bf) r0 = r10
  22: (07) r0 += -24
  23: (bf) r2 = r0
  24: (18) r1 = map[idx:0]
  26: (b7) r3 = 16
  27: (b7) r4 = 0
  28: (85) call bpf_ringbuf_output#130
  29: (15) if r0 == 0x0 goto pc+10
  30: (62) *(u32 *)(r10 -32) = 0
  31: (18) r1 = map[idx:1]
  33: (bf) r2 = r10
  34: (07) r2 += -32
  35: (85) call bpf_map_lookup_elem#1
  36: (15) if r0 == 0x0 goto pc+3
  37: (79) r1 = *(u64 *)(r0 +0)
  38: (07) r1 += 1
  39: (7b) *(u64 *)(r0 +0) = r1
  40: (05) goto pc+31
  41: (62) *(u32 *)(r10 -16) = 0
  42: (18) r1 = map[idx:2]
  44: (bf) r2 = r10
  45: (07) r2 += -16
  46: (85) call bpf_map_lookup_elem#1
  47: (15) if r0 == 0x0 goto pc+1
  48: (7a) *(u64 *)(r0 +0) = 2
  49: (b7) r7 = 0
  50: (7b) *(u64 *)(r10 -16) = r7
  51: (7a) *(u64 *)(r10 -24) = 1
  52: (bf) r0 = r10
  53: (07) r0 += -24
  54: (bf) r2 = r0
  55: (18) r1 = map[idx:0]
  57: (b7) r3 = 16
  58: (b7) r4 = 0
  59: (85) call bpf_ringbuf_output#130
  60: (15) if r0 == 0x0 goto pc+10
  61: (62) *(u32 *)(r10 -32) = 1
  62: (18) r1 = map[idx:1]
  64: (bf) r2 = r10
  65: (07) r2 += -32
  66: (85) call bpf_map_lookup_elem#1
  67: (15) if r0 == 0x0 goto pc+3
  68: (79) r1 = *(u64 *)(r0 +0)
  69: (07) r1 += 1
  70: (7b) *(u64 *)(r0 +0) = r1
  71: (05) goto pc+0
  72: (b7) r0 = 0
  73: (95) exit
