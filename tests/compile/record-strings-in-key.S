; tracepoint:block/block_rq_issue { @[pid, data->rwbs, (u8)data->bytes, data->comm] = count(); }
   0: (bf) r6 = r1
   1: (62) *(u32 *)(r10 -8) = 0
   2: (18) r1 = map[idx:3]
   4: (bf) r2 = r10
   5: (07) r2 += -8
   6: (85) call bpf_map_lookup_elem#1
   7: (15) if r0 == 0x0 goto pc+115
   8: (79) r0 = *(u64 *)(r0 +0)
   9: (55) if r0 != 0x1 goto pc+113
  10: (85) call bpf_get_current_pid_tgid#14
  11: (bf) r7 = r0
  12: (77) r7 >>= 32
  13: (63) *(u32 *)(r10 -32) = r7
  14: (62) *(u32 *)(r10 -28) = 0
  15: (62) *(u32 *)(r10 -24) = 0
  16: (6a) *(u16 *)(r10 -20) = 0
  17: (bf) r1 = r10
  18: (07) r1 += -28
  19: (b7) r2 = 10
  20: (bf) r3 = r6
  21: (07) r3 += 34
  22: (85) call bpf_probe_read_kernel_str#115
  23: (75) if r0 s>= 0x0 goto pc+10
  24: (62) *(u32 *)(r10 -40) = 0
  25: (18) r1 = map[idx:2]
  27: (bf) r2 = r10
  28: (07) r2 += -40
  29: (85) call bpf_map_lookup_elem#1
  30: (15) if r0 == 0x0 goto pc+3
  31: (79) r1 = *(u64 *)(r0 +0)
  32: (07) r1 += 1
  33: (7b) *(u64 *)(r0 +0) = r1
  34: (61) r7 = *(u32 *)(r6 +28)
  35: (bc) w7 = w7
  36: (57) r7 &= 255
  37: (73) *(u8 *)(r10 -18) = r7
  38: (72) *(u8 *)(r10 -17) = 0
  39: (7a) *(u64 *)(r10 -16) = 0
  40: (62) *(u32 *)(r10 -8) = 0
  41: (6a) *(u16 *)(r10 -4) = 0
  42: (72) *(u8 *)(r10 -2) = 0
  43: (bf) r1 = r10
  44: (07) r1 += -17
  45: (b7) r2 = 16
  46: (bf) r3 = r6
  47: (07) r3 += 44
  48: (85) call bpf_probe_read_kernel_str#115
  49: (75) if r0 s>= 0x0 goto pc+10
  50: (62) *(u32 *)(r10 -40) = 1
  51: (18) r1 = map[idx:2]
  53: (bf) r2 = r10
  54: (07) r2 += -40
  55: (85) call bpf_map_lookup_elem#1
  56: (15) if r0 == 0x0 goto pc+3
  57: (79) r1 = *(u64 *)(r0 +0)
  58: (07) r1 += 1
  59: (7b) *(u64 *)(r0 +0) = r1
  60: (72) *(u8 *)(r10 -1) = 0
  61: (18) r1 = map[idx:0]
  63: (bf) r2 = r10
  64: (07) r2 += -32
  65: (85) call bpf_map_lookup_elem#1
  66: (55) if r0 != 0x0 goto pc+53
  67: (7a) *(u64 *)(r10 -40) = 0
  68: (bf) r3 = r10
  69: (07) r3 += -40
  70: (18) r1 = map[idx:0]
  72: (bf) r2 = r10
  73: (07) r2 += -32
  74: (b7) r4 = 1
  75: (85) call bpf_map_update_elem#2
  76: (15) if r0 == 0xfffffff9 goto pc+32
  77: (18) r1 = map[idx:0]
  79: (bf) r2 = r10
  80: (07) r2 += -32
  81: (85) call bpf_map_lookup_elem#1
  82: (55) if r0 != 0x0 goto pc+37
  83: (bf) r3 = r10
  84: (07) r3 += -40
  85: (18) r1 = map[idx:0]
  87: (bf) r2 = r10
  88: (07) r2 += -32
  89: (b7) r4 = 1
  90: (85) call bpf_map_update_elem#2
  91: (15) if r0 == 0xfffffff9 goto pc+17
  92: (18) r1 = map[idx:0]
  94: (bf) r2 = r10
  95: (07) r2 += -32
  96: (85) call bpf_map_lookup_elem#1
  97: (55) if r0 != 0x0 goto pc+22
  98: (62) *(u32 *)(r10 -48) = 2
  99: (18) r1 = map[idx:2]
 101: (bf) r2 = r10
 102: (07) r2 += -48
 103: (85) call bpf_map_lookup_elem#1
 104: (15) if r0 == 0x0 goto pc+3
 105: (79) r1 = *(u64 *)(r0 +0)
 106: (07) r1 += 1
 107: (7b) *(u64 *)(r0 +0) = r1
 108: (05) goto pc+14
 109: (62) *(u32 *)(r10 -48) = 3
 110: (18) r1 = map[idx:2]
 112: (bf) r2 = r10
 113: (07) r2 += -48
 114: (85) call bpf_map_lookup_elem#1
 115: (15) if r0 == 0x0 goto pc+3
 116: (79) r1 = *(u64 *)(r0 +0)
 117: (07) r1 += 1
 118: (7b) *(u64 *)(r0 +0) = r1
 119: (05) goto pc+3
 120: (79) r1 = *(u64 *)(r0 +0)
 121: (07) r1 += 1
 122: (7b) *(u64 *)(r0 +0) = r1
 123: (b7) r0 = 0
 124: (95) exit
