namespace MiniTransformer.Compute;

/// <summary>What the <c>devices</c> verb lists about one device.</summary>
/// <param name="SimdWidth">CPU: float lanes of the widest vector unit in use; OpenCL: preferred float vector width; CUDA: warp size.</param>
/// <param name="ComputeCapability">CUDA only, e.g. "9.0".</param>
public sealed record DeviceInfo(
    BackendKind Kind,
    string Name,
    long MemoryBytes,
    int ComputeUnits,
    int SimdWidth,
    string? ComputeCapability = null,
    string? Platform = null);
