namespace MiniTransformer.Compute.Cpu;

// Brute-force k nearest neighbours, one query per task: every point's squared distance, kept in a sorted list of k
// by insertion. Points arrive in ascending index and only a strictly smaller distance displaces an entry, so ties
// go to the lower index.
public sealed unsafe partial class CpuBackend
{
    protected override void SquaredDistanceTopKCore(DeviceSlice<int> indices, DeviceSlice<float> distances,
        DeviceSlice<float> queries, DeviceSlice<float> points, int queryCount, int pointCount, int dim, int k)
    {
        int* idx = Ptr(indices);
        float* dist = Ptr(distances), q = Ptr(queries), p = Ptr(points);
        For(queryCount, query =>
        {
            float* qi = q + query * dim;
            float* bestD = dist + query * k;
            int* bestI = idx + query * k;
            int count = 0;
            for (int j = 0; j < pointCount; j++)
            {
                float d = VectorMath.SquaredDistance(qi, p + (long)j * dim, dim);
                if (count == k && !(d < bestD[k - 1])) continue;
                int at = count < k ? count++ : k - 1;
                while (at > 0 && d < bestD[at - 1])
                {
                    bestD[at] = bestD[at - 1];
                    bestI[at] = bestI[at - 1];
                    at--;
                }
                bestD[at] = d;
                bestI[at] = j;
            }
        });
    }
}
