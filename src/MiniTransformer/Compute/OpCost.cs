namespace MiniTransformer.Compute;

/// <summary>
/// The exact cost of one op launch, computed from its shapes (never measured): floating-point operations and
/// the compulsory bytes it must read and write (each input element read once, each output written once).
/// </summary>
public readonly record struct OpCost(long Flops, long BytesRead, long BytesWritten)
{
    public long Bytes => BytesRead + BytesWritten;
    public static OpCost operator +(OpCost x, OpCost y) => new(x.Flops + y.Flops, x.BytesRead + y.BytesRead, x.BytesWritten + y.BytesWritten);
}
