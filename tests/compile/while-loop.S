; BEGIN { $i = 0; while ($i < 4) { $i++; if ($i == 1) { continue; } if ($i == 3) { break; } @[$i] = count(); } unroll(2) { @[0] = count(); } }
   0: (bf) r6 = r1
   1: (62) *(u32 *)(r10 -8) = 0
   2: (b7) r7 = 0
   3: (63) *(u32 *)(r10 -8) = r7
   4: (61) r7 = *(u32 *)(r10 -8)
   5: (67) r7 <<= 32
   6: (c7) r7 s>>= 32
   7: (75) if r7 s>= 0x4 goto pc+84
   8: (61) r7 = *(u32 *)(r10 -8)
   9: (67) r7 <<= 32
  10: (c7) r7 s>>= 32
  11: (07) r7 += 1
  12: (67) r7 <<= 32
  13: (c7) r7 s>>= 32
  14: (63) *(u32 *)(r10 -8) = r7
  15: (61) r7 = *(u32 *)(r10 -8)
  16: (67) r7 <<= 32
  17: (c7) r7 s>>= 32
  18: (55) if r7 != 0x1 goto pc+1
  19: (05) goto pc+71
  20: (61) r7 = *(u32 *)(r10 -8)
  21: (67) r7 <<= 32
  22: (c7) r7 s>>= 32
  23: (55) if r7 != 0x3 goto pc+1
  24: (05) goto pc+67
  25: (61) r7 = *(u32 *)(r10 -8)
  26: (67) r7 <<= 32
  27: (c7) r7 s>>= 32
  28: (63) *(u32 *)(r10 -16) = r7
  29: (18) r1 = map[idx:0]
  31: (bf) r2 = r10
  32: (07) r2 += -16
  33: (85) call bpf_map_lookup_elem#1
  34: (55) if r0 != 0x0 goto pc+53
  35: (7a) *(u64 *)(r10 -24) = 0
  36: (bf) r3 = r10
  37: (07) r3 += -24
  38: (18) r1 = map[idx:0]
  40: (bf) r2 = r10
  41: (07) r2 += -16
  42: (b7) r4 = 1
  43: (85) call bpf_map_update_elem#2
  44: (15) if r0 == 0xfffffff9 goto pc+32
  45: (18) r1 = map[idx:0]
  47: (bf) r2 = r10
  48: (07) r2 += -16
  49: (85) call bpf_map_lookup_elem#1
  50: (55) if r0 != 0x0 goto pc+37
  51: (bf) r3 = r10
  52: (07) r3 += -24
  53: (18) r1 = map[idx:0]
  55: (bf) r2 = r10
  56: (07) r2 += -16
  57: (b7) r4 = 1
  58: (85) call bpf_map_update_elem#2
  59: (15) if r0 == 0xfffffff9 goto pc+17
  60: (18) r1 = map[idx:0]
  62: (bf) r2 = r10
  63: (07) r2 += -16
  64: (85) call bpf_map_lookup_elem#1
  65: (55) if r0 != 0x0 goto pc+22
  66: (62) *(u32 *)(r10 -32) = 0
  67: (18) r1 = map[idx:2]
  69: (bf) r2 = r10
  70: (07) r2 += -32
  71: (85) call bpf_map_lookup_elem#1
  72: (15) if r0 == 0x0 goto pc+3
  73: (79) r1 = *(u64 *)(r0 +0)
  74: (07) r1 += 1
  75: (7b) *(u64 *)(r0 +0) = r1
  76: (05) goto pc+14
  77: (62) *(u32 *)(r10 -32) = 1
  78: (18) r1 = map[idx:2]
  80: (bf) r2 = r10
  81: (07) r2 += -32
  82: (85) call bpf_map_lookup_elem#1
  83: (15) if r0 == 0x0 goto pc+3
  84: (79) r1 = *(u64 *)(r0 +0)
  85: (07) r1 += 1
  86: (7b) *(u64 *)(r0 +0) = r1
  87: (05) goto pc+3
  88: (79) r1 = *(u64 *)(r0 +0)
  89: (07) r1 += 1
  90: (7b) *(u64 *)(r0 +0) = r1
  91: (05) goto pc-88
  92: (b7) r7 = 0
  93: (63) *(u32 *)(r10 -16) = r7
  94: (18) r1 = map[idx:0]
  96: (bf) r2 = r10
  97: (07) r2 += -16
  98: (85) call bpf_map_lookup_elem#1
  99: (55) if r0 != 0x0 goto pc+53
 100: (7a) *(u64 *)(r10 -24) = 0
 101: (bf) r3 = r10
 102: (07) r3 += -24
 103: (18) r1 = map[idx:0]
 105: (bf) r2 = r10
 106: (07) r2 += -16
 107: (b7) r4 = 1
 108: (85) call bpf_map_update_elem#2
 109: (15) if r0 == 0xfffffff9 goto pc+32
 110: (18) r1 = map[idx:0]
 112: (bf) r2 = r10
 113: (07) r2 += -16
 114: (85) call bpf_map_lookup_elem#1
 115: (55) if r0 != 0x0 goto pc+37
 116: (bf) r3 = r10
 117: (07) r3 += -24
 118: (18) r1 = map[idx:0]
 120: (bf) r2 = r10
 121: (07) r2 += -16
 122: (b7) r4 = 1
 123: (85) call bpf_map_update_elem#2
 124: (15) if r0 == 0xfffffff9 goto pc+17
 125: (18) r1 = map[idx:0]
 127: (bf) r2 = r10
 128: (07) r2 += -16
 129: (85) call bpf_map_lookup_elem#1
 130: (55) if r0 != 0x0 goto pc+22
 131: (62) *(u32 *)(r10 -32) = 2
 132: (18) r1 = map[idx:2]
 134: (bf) r2 = r10
 135: (07) r2 += -32
 136: (85) call bpf_map_lookup_elem#1
 137: (15) if r0 == 0x0 goto pc+3
 138: (79) r1 = *(u64 *)(r0 +0)
 139: (07) r1 += 1
 140: (7b) *(u64 *)(r0 +0) = r1
 141: (05) goto pc+14
 142: (62) *(u32 *)(r10 -32) = 3
 143: (18) r1 = map[idx:2]
 145: (bf) r2 = r10
 146: (07) r2 += -32
 147: (85) call bpf_map_lookup_elem#1
 148: (15) if r0 == 0x0 goto pc+3
 149: (79) r1 = *(u64 *)(r0 +0)
 150: (07) r1 += 1
 151: (7b) *(u64 *)(r0 +0) = r1
 152: (05) goto pc+3
 153: (79) r1 = *(u64 *)(r0 +0)
 154: (07) r1 += 1
 155: (7b) *(u64 *)(r0 +0) = r1
 156: (b7) r7 = 0
 157: (63) *(u32 *)(r10 -16) = r7
 158: (18) r1 = map[idx:0]
 160: (bf) r2 = r10
 161: (07) r2 += -16
 162: (85) call bpf_map_lookup_elem#1
 163: (55) if r0 != 0x0 goto pc+53
 164: (7a) *(u64 *)(r10 -24) = 0
 165: (bf) r3 = r10
 166: (07) r3 += -24
 167: (18) r1 = map[idx:0]
 169: (bf) r2 = r10
 170: (07) r2 += -16
 171: (b7) r4 = 1
 172: (85) call bpf_map_update_elem#2
 173: (15) if r0 == 0xfffffff9 goto pc+32
 174: (18) r1 = map[idx:0]
 176: (bf) r2 = r10
 177: (07) r2 += -16
 178: (85) call bpf_map_lookup_elem#1
 179: (55) if r0 != 0x0 goto pc+37
 180: (bf) r3 = r10
 181: (07) r3 += -24
 182: (18) r1 = map[idx:0]
 184: (bf) r2 = r10
 185: (07) r2 += -16
 186: (b7) r4 = 1
 187: (85) call bpf_map_update_elem#2
 188: (15) if r0 == 0xfffffff9 goto pc+17
 189: (18) r1 = map[idx:0]
 191: (bf) r2 = r10
 192: (07) r2 += -16
 193: (85) call bpf_map_lookup_elem#1
 194: (55) if r0 != 0x0 goto pc+22
 195: (62) *(u32 *)(r10 -32) = 2
 196: (18) r1 = map[idx:2]
 198: (bf) r2 = r10
 199: (07) r2 += -32
 200: (85) call bpf_map_lookup_elem#1
 201: (15) if r0 == 0x0 goto pc+3
 202: (79) r1 = *(u64 *)(r0 +0)
 203: (07) r1 += 1
 204: (7b) *(u64 *)(r0 +0) = r1
 205: (05) goto pc+14
 206: (62) *(u32 *)(r10 -32) = 3
 207: (18) r1 = map[idx:2]
 209: (bf) r2 = r10
 210: (07) r2 += -32
 211: (85) call bpf_map_lookup_elem#1
 212: (15) if r0 == 0x0 goto pc+3
 213: (79) r1 = *(u64 *)(r0 +0)
 214: (07) r1 += 1
 215: (7b) *(u64 *)(r0 +0) = r1
 216: (05) goto pc+3
 217: (79) r1 = *(u64 *)(r0 +0)
 218: (07) r1 += 1
 219: (7b) *(u64 *)(r0 +0) = r1
 220: (b7) r0 = 0
 221: (95) exit
