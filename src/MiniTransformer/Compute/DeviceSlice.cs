namespace MiniTransformer.Compute;

/// <summary>A contiguous view [Offset, Offset + Length) of a <see cref="DeviceBuffer{T}"/>: the "tensor" every op takes.</summary>
public readonly record struct DeviceSlice<T>(DeviceBuffer<T> Buffer, long Offset, long Length) where T : unmanaged
{
    public DeviceSlice<T> Slice(long offset, long length)
    {
        if (offset < 0 || length < 0 || offset + length > Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"slice [{offset}, {offset + length}) outside a view of {Length}");
        return new(Buffer, Offset + offset, length);
    }
}
