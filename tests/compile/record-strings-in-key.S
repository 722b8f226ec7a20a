; tracepoint:block/block_rq_issue { @[pid, data->rwbs, (u8)data->bytes, data->comm] = count(); }
   0: (bf) r6 = r1
   1: (85) call bpf_get_current_pid_tgid#14
   2: (bf) r7 = r0
   3: (77) r7 >>= 32
   4: (63) *(u32 *)(r10 -32) = r7
   5: (62) *(u32 *)(r10 -28) = 0
   6: (62) *(u32 *)(r10 -24) = 0
   7: (6a) *(u16 *)(r10 -20) = 0
   8: (bf) r1 = r10
   9: (07) r1 += -28
  10: (b7) r2 = 10
  11: (bf) r3 = r6
  12: (07) r3 += 34
  13: (85) call bpf_probe_read_kernel_str#115
  14: (75) if r0 s>= 0x0 goto pc+10
  15: (62) *(u32 *)(r10 -40) = 0
  16: (18) r1 = map[fd:2]
  18: (bf) r2 = r10
  19: (07) r2 += -40
  20: (85) call bpf_map_lookup_elem#1
  21: (15) if r0 == 0x0 goto pc+3
  22: (79) r1 = *(u64 *)(r0 +0)
  23: (07) r1 += 1
  24: (7b) *(u64 *)(r0 +0) = r1
  25: (61) r7 = *(u32 *)(r6 +28)
  26: (bc) w7 = w7
  27: (57) r7 &= 255
  28: (73) *(u8 *)(r10 -18) = r7
  29: (72) *(u8 *)(r10 -17) = 0
  30: (7a) *(u64 *)(r10 -16) = 0
  31: (62) *(u32 *)(r10 -8) = 0
  32: (6a) *(u16 *)(r10 -4) = 0
  33: (72) *(u8 *)(r10 -2) = 0
  34: (bf) r1 = r10
  35: (07) r1 += -17
  36: (b7) r2 = 16
  37: (bf) r3 = r6
  38: (07) r3 += 44
  39: (85) call bpf_probe_read_kernel_str#115
  40: (75) if r0 s>= 0x0 goto pc+10
  41: (62) *(u32 *)(r10 -40) = 1
  42: (18) r1 = map[fd:2]
  44: (bf) r2 = r10
  45: (07) r2 += -40
  46: (85) call bpf_map_lookup_elem#1
  47: (15) if r0 == 0x0 goto pc+3
  48: (79) r1 = *(u64 *)(r0 +0)
  49: (07) r1 += 1
  50: (7b) *(u64 *)(r0 +0) = r1
  51: (72) *(u8 *)(r10 -1) = 0
  52: (18) r1 = map[fd:0]
  54: (bf) r2 = r10
  55: (07) r2 += -32
  56: (85) call bpf_map_lookup_elem#1
  57: (55) if r0 != 0x0 goto pc+26
  58: (7a) *(u64 *)(r10 -40) = 0
  59: (bf) r3 = r10
  60: (07) r3 += -40
  61: (18) r1 = map[fd:0]
  63: (bf) r2 = r10
  64: (07) r2 += -32
  65: (b7) r4 = 1
  66: (85) call bpf_map_update_elem#2
  67: (18) r1 = map[fd:0]
  69: (bf) r2 = r10
  70: (07) r2 += -32
  71: (85) call bpf_map_lookup_elem#1
  72: (55) if r0 != 0x0 goto pc+11
  73: (62) *(u32 *)(r10 -48) = 2
  74: (18) r1 = map[fd:2]
  76: (bf) r2 = r10
  77: (07) r2 += -48
  78: (85) call bpf_map_lookup_elem#1
  79: (15) if r0 == 0x0 goto pc+3
  80: (79) r1 = *(u64 *)(r0 +0)
  81: (07) r1 += 1
  82: (7b) *(u64 *)(r0 +0) = r1
  83: (05) goto pc+3
  84: (79) r1 = *(u64 *)(r0 +0)
  85: (07) r1 += 1
  86: (7b) *(u64 *)(r0 +0) = r1
  87: (b7) r0 = 0
  88: (95) exit
