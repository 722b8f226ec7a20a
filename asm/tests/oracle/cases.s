r0 += r1
r0 += 7
w0 += w1
w0 += 7
r1 -= r4
r1 -= -16
w1 -= w4
w1 -= -16
r2 *= r7
r2 *= 2147483647
w2 *= w7
w2 *= 2147483647
r3 /= r0
r3 /= -2147483648
w3 /= w0
w3 /= -2147483648
r4 s/= r3
r4 s/= 0
w4 s/= w3
w4 s/= 0
r5 |= r6
r5 |= 1
w5 |= w6
w5 |= 1
r6 &= r9
r6 &= 255
w6 &= w9
w6 &= 255
r7 <<= r2
r7 <<= 4096
w7 <<= w2
w7 <<= 4096
r8 >>= r5
r8 >>= -1
w8 >>= w5
w8 >>= -1
r9 %= r8
r9 %= 31
w9 %= w8
w9 %= 31
r0 s%= r1
r0 s%= 12
w0 s%= w1
w0 s%= 12
r1 ^= r4
r1 ^= 100
w1 ^= w4
w1 ^= 100
r2 = r7
r2 = 3
w2 = w7
w2 = 3
r3 s>>= r0
r3 s>>= 65535
w3 s>>= w0
w3 s>>= 65535
r3 = -r3
w3 = -w3
r1 = (s8)r9
r1 = (s16)r9
r1 = (s32)r9
w1 = (s8)w9
w1 = (s16)w9
r1 = addr_space_cast(r2, 0, 1)
r3 = addr_space_cast(r4, 1, 0)
r9 = addr_space_cast(r0, 65535, 258)
r6 = le16 r6
r6 = le32 r6
r6 = le64 r6
r6 = be16 r6
r6 = be32 r6
r6 = be64 r6
r6 = bswap16 r6
r6 = bswap32 r6
r6 = bswap64 r6
r2 = *(u8 *)(r10 - 8)
r4 = *(s8 *)(r1 - 8)
*(u8 *)(r10 - 8) = -3
*(u8 *)(r9 - 8) = r8
r2 = *(u16 *)(r10 + 0)
r4 = *(s16 *)(r1 + 0)
*(u16 *)(r10 + 0) = -3
*(u16 *)(r9 + 0) = r8
r2 = *(u32 *)(r10 + 32767)
r4 = *(s32 *)(r1 + 32767)
*(u32 *)(r10 + 32767) = -3
*(u32 *)(r9 + 32767) = r8
r2 = *(u64 *)(r10 - 32768)
*(u64 *)(r10 - 32768) = -3
*(u64 *)(r9 - 32768) = r8
lock *(u64 *)(r1 - 8) += r2
r3 = atomic_fetch_add((u64 *)(r1 + 16), r3)
lock *(u64 *)(r1 - 8) |= r2
r3 = atomic_fetch_or((u64 *)(r1 + 16), r3)
lock *(u64 *)(r1 - 8) &= r2
r3 = atomic_fetch_and((u64 *)(r1 + 16), r3)
lock *(u64 *)(r1 - 8) ^= r2
r3 = atomic_fetch_xor((u64 *)(r1 + 16), r3)
r4 = xchg_64(r5 + 0, r4)
r0 = cmpxchg_64(r5 - 4, r0, r7)
lock *(u32 *)(r1 - 8) += w2
w3 = atomic_fetch_add((u32 *)(r1 + 16), w3)
lock *(u32 *)(r1 - 8) |= w2
w3 = atomic_fetch_or((u32 *)(r1 + 16), w3)
lock *(u32 *)(r1 - 8) &= w2
w3 = atomic_fetch_and((u32 *)(r1 + 16), w3)
lock *(u32 *)(r1 - 8) ^= w2
w3 = atomic_fetch_xor((u32 *)(r1 + 16), w3)
w4 = xchg32_32(r5 + 0, w4)
w0 = cmpxchg32_32(r5 - 4, w0, w7)
r7 = 1311768467463790320 ll
r7 = 1 ll
r7 = -1 ll
r7 = 2147483648 ll
r0 = *(u8 *)skb[12]
r0 = *(u8 *)skb[r6]
r0 = *(u16 *)skb[12]
r0 = *(u16 *)skb[r6]
r0 = *(u32 *)skb[12]
r0 = *(u32 *)skb[r6]
if r0 == r0 goto +3
if r0 == 5 goto +3
if w0 == w0 goto +3
if w0 == 5 goto +3
if r7 > r1 goto -2
if r7 > -1 goto -2
if w7 > w1 goto -2
if w7 > -1 goto -2
if r4 >= r2 goto +32767
if r4 >= 0 goto +32767
if w4 >= w2 goto +32767
if w4 >= 0 goto +32767
if r1 & r3 goto -32768
if r1 & 16 goto -32768
if w1 & w3 goto -32768
if w1 & 16 goto -32768
if r8 != r4 goto +0
if r8 != 2147483647 goto +0
if w8 != w4 goto +0
if w8 != 2147483647 goto +0
if r5 s> r5 goto +1
if r5 s> -2147483648 goto +1
if w5 s> w5 goto +1
if w5 s> -2147483648 goto +1
if r2 s>= r6 goto +100
if r2 s>= 1 goto +100
if w2 s>= w6 goto +100
if w2 s>= 1 goto +100
if r9 < r7 goto -100
if r9 < 4095 goto -100
if w9 < w7 goto -100
if w9 < 4095 goto -100
if r6 <= r8 goto +9
if r6 <= 7 goto +9
if w6 <= w8 goto +9
if w6 <= 7 goto +9
if r3 s< r9 goto +2
if r3 s< -100 goto +2
if w3 s< w9 goto +2
if w3 s< -100 goto +2
if r0 s<= r0 goto -1
if r0 s<= 64 goto -1
if w0 s<= w0 goto -1
if w0 s<= 64 goto -1
goto +3
goto -7
goto +32767
gotol +3
gotol -3
gotol -32768
may_goto +5
may_goto -3
may_goto -32768
call 1
call 14
call 130
call 211
call 999
exit
