// Batched C = alpha·op(A)·op(B) + beta·C, row-major, with a fused bias / bias+GELU epilogue (see GemmSpec).
// Tiling: a 16×16 work-group computes a 64×64 block of C, each work-item a 4×4 register tile (rows ty + 16i,
// cols tx + 16j, so neighbouring work-items touch neighbouring columns); K advances in slabs of 16 staged in
// local memory. Out-of-range elements are loaded as zero, so any M, N, K works (primes, 1, non-multiples of 64).
// Launch: groups (ceil(N/64), ceil(M/64), batch), local size (16, 16, 1).
#include "gelu.cl"

#define GEMM_BLOCK 64
#define GEMM_SLAB 16
#define GEMM_THREADS 16

__kernel void gemm(const int M, const int N, const int K, const int transA, const int transB,
                   const float alpha, const float beta,
                   __global const float* A, const long offA, const long strideA,
                   __global const float* B, const long offB, const long strideB,
                   __global float* C, const long offC, const long strideC,
                   const int epilogue,
                   __global const float* bias, const long offBias,
                   __global float* pre, const long offPre)
{
    __local float As[GEMM_SLAB][GEMM_BLOCK + 1];   // As[k][m] = op(A)[row0 + m, k0 + k]
    __local float Bs[GEMM_SLAB][GEMM_BLOCK + 1];   // Bs[k][n] = op(B)[k0 + k, col0 + n]

    const int tx = get_local_id(0), ty = get_local_id(1);
    const int tid = ty * GEMM_THREADS + tx;
    const int col0 = get_group_id(0) * GEMM_BLOCK, row0 = get_group_id(1) * GEMM_BLOCK;
    const long batch = get_group_id(2);
    A += offA + batch * strideA;
    B += offB + batch * strideB;
    C += offC + batch * strideC;
    pre += offPre + batch * strideC;
    bias += offBias;

    float acc[4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) acc[i][j] = 0.0f;

    for (int k0 = 0; k0 < K; k0 += GEMM_SLAB) {
        // 64×16 elements per operand, 4 per work-item; the index order follows each operand's contiguous axis.
        for (int l = 0; l < 4; l++) {
            int e = tid + l * GEMM_THREADS * GEMM_THREADS;
            int m, k;
            if (transA) { m = e % GEMM_BLOCK; k = e / GEMM_BLOCK; }   // stored K×M: contiguous along m
            else        { k = e % GEMM_SLAB;  m = e / GEMM_SLAB; }    // stored M×K: contiguous along k
            int gm = row0 + m, gk = k0 + k;
            float v = 0.0f;
            if (gm < M && gk < K) v = transA ? A[(long)gk * M + gm] : A[(long)gm * K + gk];
            As[k][m] = v;

            int n;
            if (transB) { k = e % GEMM_SLAB;  n = e / GEMM_SLAB; }    // stored N×K: contiguous along k
            else        { n = e % GEMM_BLOCK; k = e / GEMM_BLOCK; }   // stored K×N: contiguous along n
            int gn = col0 + n;
            gk = k0 + k;
            float w = 0.0f;
            if (gn < N && gk < K) w = transB ? B[(long)gn * K + gk] : B[(long)gk * N + gn];
            Bs[k][n] = w;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int kk = 0; kk < GEMM_SLAB; kk++) {
            float a[4], b[4];
            for (int i = 0; i < 4; i++) a[i] = As[kk][ty + GEMM_THREADS * i];
            for (int j = 0; j < 4; j++) b[j] = Bs[kk][tx + GEMM_THREADS * j];
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++) acc[i][j] += a[i] * b[j];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    for (int i = 0; i < 4; i++) {
        int row = row0 + ty + GEMM_THREADS * i;
        if (row >= M) continue;
        for (int j = 0; j < 4; j++) {
            int col = col0 + tx + GEMM_THREADS * j;
            if (col >= N) continue;
            long idx = (long)row * N + col;
            float v = alpha * acc[i][j];
            if (beta != 0.0f) v += beta * C[idx];   // beta = 0 never reads C (it may hold garbage or NaN)
            if (epilogue != 0) v += bias[col];
            if (epilogue == 2) { pre[idx] = v; v = gelu_value(v); }
            C[idx] = v;
        }
    }
}
