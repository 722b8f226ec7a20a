; profile:hz:99 {
   0: (bf) r6 = r1
   1: (62) *(u32 *)(r10 -8) = 0
   2: (18) r1 = map[idx:6]
   4: (bf) r2 = r10
   5: (07) r2 += -8
   6: (85) call bpf_map_lookup_elem#1
   7: (15) if r0 == 0x0 goto pc+258
   8: (79) r0 = *(u64 *)(r0 +0)
   9: (55) if r0 != 0x1 goto pc+256
; @[kstack(3)] = count();
  10: (bf) r1 = r6
  11: (18) r2 = map[idx:7]
  13: (b7) r3 = 0
  14: (85) call bpf_get_stackid#27
  15: (bf) r7 = r0
  16: (7b) *(u64 *)(r10 -8) = r7
  17: (18) r1 = map[idx:0]
  19: (bf) r2 = r10
  20: (07) r2 += -8
  21: (85) call bpf_map_lookup_elem#1
  22: (55) if r0 != 0x0 goto pc+53
  23: (7a) *(u64 *)(r10 -16) = 0
  24: (bf) r3 = r10
  25: (07) r3 += -16
  26: (18) r1 = map[idx:0]
  28: (bf) r2 = r10
  29: (07) r2 += -8
  30: (b7) r4 = 1
  31: (85) call bpf_map_update_elem#2
  32: (15) if r0 == 0xfffffff9 goto pc+32
  33: (18) r1 = map[idx:0]
  35: (bf) r2 = r10
  36: (07) r2 += -8
  37: (85) call bpf_map_lookup_elem#1
  38: (55) if r0 != 0x0 goto pc+37
  39: (bf) r3 = r10
  40: (07) r3 += -16
  41: (18) r1 = map[idx:0]
  43: (bf) r2 = r10
  44: (07) r2 += -8
  45: (b7) r4 = 1
  46: (85) call bpf_map_update_elem#2
  47: (15) if r0 == 0xfffffff9 goto pc+17
  48: (18) r1 = map[idx:0]
  50: (bf) r2 = r10
  51: (07) r2 += -8
  52: (85) call bpf_map_lookup_elem#1
  53: (55) if r0 != 0x0 goto pc+22
  54: (62) *(u32 *)(r10 -24) = 0
  55: (18) r1 = map[idx:5]
  57: (bf) r2 = r10
  58: (07) r2 += -24
  59: (85) call bpf_map_lookup_elem#1
  60: (15) if r0 == 0x0 goto pc+3
  61: (79) r1 = *(u64 *)(r0 +0)
  62: (07) r1 += 1
  63: (7b) *(u64 *)(r0 +0) = r1
  64: (05) goto pc+14
  65: (62) *(u32 *)(r10 -24) = 1
  66: (18) r1 = map[idx:5]
  68: (bf) r2 = r10
  69: (07) r2 += -24
  70: (85) call bpf_map_lookup_elem#1
  71: (15) if r0 == 0x0 goto pc+3
  72: (79) r1 = *(u64 *)(r0 +0)
  73: (07) r1 += 1
  74: (7b) *(u64 *)(r0 +0) = r1
  75: (05) goto pc+3
  76: (79) r1 = *(u64 *)(r0 +0)
  77: (07) r1 += 1
  78: (7b) *(u64 *)(r0 +0) = r1
; @p[kstack(perf, 3)] = count();
  79: (bf) r1 = r6
  80: (18) r2 = map[idx:7]
  82: (b7) r3 = 0
  83: (85) call bpf_get_stackid#27
  84: (bf) r7 = r0
  85: (7b) *(u64 *)(r10 -8) = r7
  86: (18) r1 = map[idx:1]
  88: (bf) r2 = r10
  89: (07) r2 += -8
  90: (85) call bpf_map_lookup_elem#1
  91: (55) if r0 != 0x0 goto pc+53
  92: (7a) *(u64 *)(r10 -16) = 0
  93: (bf) r3 = r10
  94: (07) r3 += -16
  95: (18) r1 = map[idx:1]
  97: (bf) r2 = r10
  98: (07) r2 += -8
  99: (b7) r4 = 1
 100: (85) call bpf_map_update_elem#2
 101: (15) if r0 == 0xfffffff9 goto pc+32
 102: (18) r1 = map[idx:1]
 104: (bf) r2 = r10
 105: (07) r2 += -8
 106: (85) call bpf_map_lookup_elem#1
 107: (55) if r0 != 0x0 goto pc+37
 108: (bf) r3 = r10
 109: (07) r3 += -16
 110: (18) r1 = map[idx:1]
 112: (bf) r2 = r10
 113: (07) r2 += -8
 114: (b7) r4 = 1
 115: (85) call bpf_map_update_elem#2
 116: (15) if r0 == 0xfffffff9 goto pc+17
 117: (18) r1 = map[idx:1]
 119: (bf) r2 = r10
 120: (07) r2 += -8
 121: (85) call bpf_map_lookup_elem#1
 122: (55) if r0 != 0x0 goto pc+22
 123: (62) *(u32 *)(r10 -24) = 2
 124: (18) r1 = map[idx:5]
 126: (bf) r2 = r10
 127: (07) r2 += -24
 128: (85) call bpf_map_lookup_elem#1
 129: (15) if r0 == 0x0 goto pc+3
 130: (79) r1 = *(u64 *)(r0 +0)
 131: (07) r1 += 1
 132: (7b) *(u64 *)(r0 +0) = r1
 133: (05) goto pc+14
 134: (62) *(u32 *)(r10 -24) = 3
 135: (18) r1 = map[idx:5]
 137: (bf) r2 = r10
 138: (07) r2 += -24
 139: (85) call bpf_map_lookup_elem#1
 140: (15) if r0 == 0x0 goto pc+3
 141: (79) r1 = *(u64 *)(r0 +0)
 142: (07) r1 += 1
 143: (7b) *(u64 *)(r0 +0) = r1
 144: (05) goto pc+3
 145: (79) r1 = *(u64 *)(r0 +0)
 146: (07) r1 += 1
 147: (7b) *(u64 *)(r0 +0) = r1
; @u[ustack(5)] = count();
 148: (bf) r1 = r6
 149: (18) r2 = map[idx:8]
 151: (b7) r3 = 256
 152: (85) call bpf_get_stackid#27
 153: (bf) r7 = r0
 154: (bc) w7 = w7
 155: (85) call bpf_get_current_pid_tgid#14
 156: (77) r0 >>= 32
 157: (67) r0 <<= 32
 158: (4f) r7 |= r0
 159: (7b) *(u64 *)(r10 -8) = r7
 160: (18) r1 = map[idx:2]
 162: (bf) r2 = r10
 163: (07) r2 += -8
 164: (85) call bpf_map_lookup_elem#1
 165: (55) if r0 != 0x0 goto pc+53
 166: (7a) *(u64 *)(r10 -16) = 0
 167: (bf) r3 = r10
 168: (07) r3 += -16
 169: (18) r1 = map[idx:2]
 171: (bf) r2 = r10
 172: (07) r2 += -8
 173: (b7) r4 = 1
 174: (85) call bpf_map_update_elem#2
 175: (15) if r0 == 0xfffffff9 goto pc+32
 176: (18) r1 = map[idx:2]
 178: (bf) r2 = r10
 179: (07) r2 += -8
 180: (85) call bpf_map_lookup_elem#1
 181: (55) if r0 != 0x0 goto pc+37
 182: (bf) r3 = r10
 183: (07) r3 += -16
 184: (18) r1 = map[idx:2]
 186: (bf) r2 = r10
 187: (07) r2 += -8
 188: (b7) r4 = 1
 189: (85) call bpf_map_update_elem#2
 190: (15) if r0 == 0xfffffff9 goto pc+17
 191: (18) r1 = map[idx:2]
 193: (bf) r2 = r10
 194: (07) r2 += -8
 195: (85) call bpf_map_lookup_elem#1
 196: (55) if r0 != 0x0 goto pc+22
 197: (62) *(u32 *)(r10 -24) = 4
 198: (18) r1 = map[idx:5]
 200: (bf) r2 = r10
 201: (07) r2 += -24
 202: (85) call bpf_map_lookup_elem#1
 203: (15) if r0 == 0x0 goto pc+3
 204: (79) r1 = *(u64 *)(r0 +0)
 205: (07) r1 += 1
 206: (7b) *(u64 *)(r0 +0) = r1
 207: (05) goto pc+14
 208: (62) *(u32 *)(r10 -24) = 5
 209: (18) r1 = map[idx:5]
 211: (bf) r2 = r10
 212: (07) r2 += -24
 213: (85) call bpf_map_lookup_elem#1
 214: (15) if r0 == 0x0 goto pc+3
 215: (79) r1 = *(u64 *)(r0 +0)
 216: (07) r1 += 1
 217: (7b) *(u64 *)(r0 +0) = r1
 218: (05) goto pc+3
 219: (79) r1 = *(u64 *)(r0 +0)
 220: (07) r1 += 1
 221: (7b) *(u64 *)(r0 +0) = r1
; @s = ustack;
 222: (bf) r1 = r6
 223: (18) r2 = map[idx:9]
 225: (b7) r3 = 256
 226: (85) call bpf_get_stackid#27
 227: (bf) r7 = r0
 228: (bc) w7 = w7
 229: (85) call bpf_get_current_pid_tgid#14
 230: (77) r0 >>= 32
 231: (67) r0 <<= 32
 232: (4f) r7 |= r0
 233: (7b) *(u64 *)(r10 -8) = r7
 234: (62) *(u32 *)(r10 -16) = 0
 235: (18) r1 = map[idx:3]
 237: (bf) r2 = r10
 238: (07) r2 += -16
 239: (bf) r3 = r10
 240: (07) r3 += -8
 241: (b7) r4 = 0
 242: (85) call bpf_map_update_elem#2
 243: (15) if r0 == 0x0 goto pc+22
 244: (55) if r0 != 0xfffffff9 goto pc+11
 245: (62) *(u32 *)(r10 -24) = 6
 246: (18) r1 = map[idx:5]
 248: (bf) r2 = r10
 249: (07) r2 += -24
 250: (85) call bpf_map_lookup_elem#1
 251: (15) if r0 == 0x0 goto pc+3
 252: (79) r1 = *(u64 *)(r0 +0)
 253: (07) r1 += 1
 254: (7b) *(u64 *)(r0 +0) = r1
 255: (05) goto pc+10
 256: (62) *(u32 *)(r10 -24) = 7
 257: (18) r1 = map[idx:5]
 259: (bf) r2 = r10
 260: (07) r2 += -24
 261: (85) call bpf_map_lookup_elem#1
 262: (15) if r0 == 0x0 goto pc+3
 263: (79) r1 = *(u64 *)(r0 +0)
 264: (07) r1 += 1
 265: (7b) *(u64 *)(r0 +0) = r1
 266: (b7) r0 = 0
 267: (95) exit
