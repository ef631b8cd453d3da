namespace MiniTransformer.Compute;

/// <summary>
/// One flat allocation of <typeparamref name="T"/> on a backend. Tensors are (offset, length) views into it
/// (<see cref="DeviceSlice{T}"/>), as in llm.c where parameters, gradients and activations each live in one buffer.
/// Contents after allocation are undefined.
/// </summary>
public abstract class DeviceBuffer<T> : IDisposable where T : unmanaged
{
    protected DeviceBuffer(ComputeBackend backend, long length)
    {
        Backend = backend;
        Length = length;
    }

    public ComputeBackend Backend { get; }
    public long Length { get; }
    public bool IsDisposed { get; private set; }

    public DeviceSlice<T> Slice(long offset, long length) => new(this, offset, length);
    public DeviceSlice<T> All => new(this, 0, Length);
    public static implicit operator DeviceSlice<T>(DeviceBuffer<T> buffer) => buffer.All;

    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        Release();
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the native or managed memory behind the buffer; called once.</summary>
    protected abstract void Release();
}
