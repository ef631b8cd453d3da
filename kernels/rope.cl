// Rotary position embedding, rotate-half pairing (GPT-NeoX / Llama), in place on the q and k blocks of
// qkv [B, T, 3, NH, HS]. cos/sin come from a [T, HS/2] table the host computes in double precision, so large
// angles (t·θ^(−2i/HS) reaches hundreds of radians) lose nothing to float argument reduction.
// One work-item per rotated pair; `sign` is +1 forward and −1 for the inverse rotation (the backward pass).
__kernel void rope(__global float* qkv, const long offQkv, __global const float* cosTable, const long offCos,
                   __global const float* sinTable, const long offSin, const int batch, const int seqLen, const int heads, const int headSize, const float sign)
{
    const int halfSize = headSize / 2;
    long g = get_global_id(0);
    const long total = (long)batch * seqLen * 2 * heads * halfSize;
    if (g >= total) return;
    const int i = g % halfSize; g /= halfSize;
    const int h = g % heads; g /= heads;
    const int part = g % 2; g /= 2;                 // 0 = q, 1 = k
    const int t = g % seqLen;
    const long b = g / seqLen;
    const long channels = (long)heads * headSize;
    __global float* x = qkv + offQkv + ((b * seqLen + t) * 3 + part) * channels + (long)h * headSize;
    const float c = cosTable[offCos + (long)t * halfSize + i];
    const float s = sign * sinTable[offSin + (long)t * halfSize + i];
    const float x0 = x[i], x1 = x[i + halfSize];
    x[i] = x0 * c - x1 * s;
    x[i + halfSize] = x1 * c + x0 * s;
}
