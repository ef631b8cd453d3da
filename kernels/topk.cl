// Squared Euclidean distance + top-k for k-NN: one work-item per query scans the points in index order and keeps
// its k best in its own output row by insertion (ascending distance; a new point goes after every equal distance,
// so ties keep the lower point index).
__kernel void distance_topk(__global int* indices, const long offIndices, __global float* distances, const long offDistances,
                            __global const float* queries, const long offQueries, __global const float* points, const long offPoints,
                            const int queryCount, const int pointCount, const int dim, const int k)
{
    const long q = get_global_id(0);
    if (q >= queryCount) return;
    const __global float* x = queries + offQueries + q * dim;
    points += offPoints;
    __global int* bestIdx = indices + offIndices + q * k;
    __global float* bestDist = distances + offDistances + q * k;
    int filled = 0;
    for (int p = 0; p < pointCount; p++) {
        const __global float* y = points + (long)p * dim;
        float d = 0.0f;
        for (int j = 0; j < dim; j++) { float diff = x[j] - y[j]; d += diff * diff; }
        if (filled == k && !(d < bestDist[k - 1])) continue;
        int pos = filled < k ? filled : k - 1;
        while (pos > 0 && bestDist[pos - 1] > d) {
            bestDist[pos] = bestDist[pos - 1];
            bestIdx[pos] = bestIdx[pos - 1];
            pos--;
        }
        bestDist[pos] = d;
        bestIdx[pos] = p;
        if (filled < k) filled++;
    }
}
