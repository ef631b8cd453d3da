// Philox4x32-10 (Salmon et al., SC'11) — the same function as Randomness/Philox.cs, so walks sampled on a device
// are bit-identical to walks sampled on the host. 32×32→64-bit products are written with ulong so the code is
// the same on OpenCL and CUDA (no mul_hi / __umulhi split).
#ifndef MT_PHILOX_CL
#define MT_PHILOX_CL

static inline void philox4x32_10(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1, uint* out)
{
    for (int pass = 0; pass < 10; pass++) {
        ulong p0 = (ulong)0xD2511F53u * (ulong)c0;
        ulong p1 = (ulong)0xCD9E8D57u * (ulong)c2;
        uint hi0 = (uint)(p0 >> 32), lo0 = (uint)p0;
        uint hi1 = (uint)(p1 >> 32), lo1 = (uint)p1;
        uint n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
        c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

// The project's stream convention (Philox.Draw): counter = (index lo, index hi, stream lo, stream hi), key = seed.
static inline void philox_draw(ulong seed, ulong stream, ulong index, uint* out)
{
    philox4x32_10((uint)index, (uint)(index >> 32), (uint)stream, (uint)(stream >> 32),
                  (uint)seed, (uint)(seed >> 32), out);
}

#endif
