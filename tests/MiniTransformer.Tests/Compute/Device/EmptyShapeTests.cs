using MiniTransformer.Compute;

namespace MiniTransformer.Tests.Compute.Device;

/// <summary>Ops on zero rows, columns or walks launch nothing on a device (OpenCL and CUDA reject empty grids) and touch nothing.</summary>
public class EmptyShapeTests
{
    public static TheoryData<BackendKind> KernelBackends => new(BackendKind.OpenCL, BackendKind.Cuda);

    [Theory]
    [MemberData(nameof(KernelBackends))]
    public void ZeroSizedOpsAreNoOps(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        using var buffer = TestData.Poisoned(backend, 8);
        using var ints = backend.UploadNew<int>(new int[4]);
        var none = buffer.Slice(0, 0);
        backend.Fill(none, 1f);
        backend.Copy(none, buffer.Slice(1, 0));
        backend.Add(none, none, none, 0);
        backend.GeluForward(none, none, 0);
        backend.ColumnSum(buffer.Slice(0, 3), none, 0, 3, accumulate: false); // a sum over no rows is 0
        backend.LayerNormForward(none, none, none, none, buffer.Slice(0, 3), buffer.Slice(3, 3), 0, 3);
        backend.CrossEntropy(none, null, none, ints.Slice(0, 0), 0, 5, 1f);
        backend.EmbeddingForward(none, ints.Slice(0, 0), buffer, null, 0, 4, 2);
        backend.AdamW(none, none, none, none, new AdamWStep(1e-3f, 1));
        using var thresholds = backend.UploadNew<uint>(new uint[1]);
        backend.SampleWalks(ints.Slice(0, 0),
            new DeviceWalkTables(1, ints.Slice(0, 2), ints.Slice(0, 1), thresholds, ints.Slice(0, 1), thresholds, ints.Slice(0, 1)), 5, 0, 0, 1);
        var after = backend.DownloadArray<float>(buffer);
        Assert.All(after[3..], v => Assert.True(float.IsNaN(v)));
        Assert.Equal([0f, 0f, 0f], after[..3]);
    }
}
