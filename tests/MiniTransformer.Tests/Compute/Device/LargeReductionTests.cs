using MiniTransformer.Compute;

namespace MiniTransformer.Tests.Compute.Device;

/// <summary>
/// Reductions past the point where the device's partition saturates (256 groups of 4,096 elements): chunks grow
/// beyond a group's stride and the last chunk is partial. Checked against float64 on the kernel backends.
/// </summary>
public class LargeReductionTests
{
    [Theory]
    [MemberData(nameof(EmptyShapeTests.KernelBackends), MemberType = typeof(EmptyShapeTests))]
    public void MillionsOfElementsMatchFloat64(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        const int n = 3_000_017;
        var x = TestData.Random(n, 99, 2f).Select(v => v + 0.5f).ToArray();
        x[n - 1] = 7.5f; // the maximum sits in the last, partial chunk
        using var bx = backend.UploadNew<float>(x);
        using var r = TestData.Poisoned(backend, 1);
        backend.Reduce(ReductionKind.Sum, r, bx, n);
        TestData.AssertClose([x.Sum(v => (double)v)], backend.DownloadArray<float>(r), 1e-5, "sum");
        backend.Reduce(ReductionKind.SumOfSquares, r, bx, n);
        TestData.AssertClose([x.Sum(v => (double)v * v)], backend.DownloadArray<float>(r), 1e-5, "sum of squares");
        backend.Reduce(ReductionKind.Max, r, bx, n);
        Assert.Equal(7.5f, backend.DownloadArray<float>(r)[0]);
        backend.Reduce(ReductionKind.Sum, r, bx.Slice(1, n - 2), n - 2);
        TestData.AssertClose([x.Skip(1).Take(n - 2).Sum(v => (double)v)], backend.DownloadArray<float>(r), 1e-5, "sum of an offset slice");
    }
}
