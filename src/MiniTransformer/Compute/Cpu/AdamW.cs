using System.Runtime.Intrinsics;

namespace MiniTransformer.Compute.Cpu;

// AdamW (PyTorch's torch.optim.AdamW formula, see AdamWStep), elementwise over fixed chunks.
public sealed unsafe partial class CpuBackend
{
    protected override void AdamWCore(DeviceSlice<float> parameters, DeviceSlice<float> gradients, DeviceSlice<float> m,
        DeviceSlice<float> v, in AdamWStep step)
    {
        float* theta = Ptr(parameters), grad = Ptr(gradients), pm = Ptr(m), pv = Ptr(v);
        float lr = step.LearningRate, b1 = step.Beta1, b2 = step.Beta2, eps = step.Epsilon, wd = step.WeightDecay, gs = step.GradScale;
        // Bias corrections in float64: β^t for t in the tens of thousands underflows gracefully there.
        float correction1 = (float)(1.0 / (1.0 - Math.Pow(b1, step.Step)));
        float correction2 = (float)(1.0 / (1.0 - Math.Pow(b2, step.Step)));
        ForChunks(parameters.Length, ElementChunk, (start, end) =>
        {
            long i = start;
            var vb1 = Vector512.Create(b1); var vb1c = Vector512.Create(1f - b1);
            var vb2 = Vector512.Create(b2); var vb2c = Vector512.Create(1f - b2);
            for (; i + 16 <= end; i += 16)
            {
                var g = Vector512.Load(grad + i) * Vector512.Create(gs);
                var mi = vb1 * Vector512.Load(pm + i) + vb1c * g;
                var vi = vb2 * Vector512.Load(pv + i) + vb2c * g * g;
                var mHat = mi * Vector512.Create(correction1);
                var vHat = vi * Vector512.Create(correction2);
                var th = Vector512.Load(theta + i);
                th -= Vector512.Create(lr) * (mHat / (Vector512.Sqrt(vHat) + Vector512.Create(eps)) + Vector512.Create(wd) * th);
                mi.Store(pm + i);
                vi.Store(pv + i);
                th.Store(theta + i);
            }
            for (; i < end; i++)
            {
                float g = grad[i] * gs;
                float mi = b1 * pm[i] + (1f - b1) * g;
                float vi = b2 * pv[i] + (1f - b2) * g * g;
                float mHat = mi * correction1, vHat = vi * correction2;
                theta[i] -= lr * (mHat / (MathF.Sqrt(vHat) + eps) + wd * theta[i]);
                pm[i] = mi;
                pv[i] = vi;
            }
        });
    }
}
