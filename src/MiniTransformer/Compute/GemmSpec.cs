namespace MiniTransformer.Compute;

/// <summary>
/// C = α·op(A)·op(B) + β·C, row-major, batched over a leading dimension. op(A) is M×K and is stored as M×K
/// (or K×M when <see cref="TransA"/>); op(B) is K×N, stored K×N (or N×K when <see cref="TransB"/>); C is M×N.
/// The variants training needs: NN (dX = dY·W), NT (Y = X·Wᵀ with W stored out×in, as PyTorch), TN (dW = dYᵀ·X).
/// Batch strides default to the packed sizes; a stride of 0 broadcasts that operand over the batch.
/// </summary>
public readonly record struct GemmSpec(
    int M, int N, int K,
    bool TransA = false, bool TransB = false,
    float Alpha = 1f, float Beta = 0f,
    int Batch = 1,
    long? StrideA = null, long? StrideB = null, long? StrideC = null)
{
    public long BatchStrideA => StrideA ?? (long)M * K;
    public long BatchStrideB => StrideB ?? (long)K * N;
    public long BatchStrideC => StrideC ?? (long)M * N;

    /// <summary>Elements of each operand the batched call touches (for bounds checks).</summary>
    public long ExtentA => BatchStrideA * (Batch - 1) + (long)M * K;
    public long ExtentB => BatchStrideB * (Batch - 1) + (long)K * N;
    public long ExtentC => BatchStrideC * (Batch - 1) + (long)M * N;

    /// <summary>
    /// The shape as a profile names it: variant (op(A) transposed?, op(B) transposed?), M×N×K, the batch, α ≠ 1 (a
    /// scaled product), β ≠ 0 (an accumulating GEMM reads C) and the epilogue — e.g. "TN 256×1024×1600 β" or
    /// "NT 1600×1024×256 +bias+gelu".
    /// </summary>
    public string Describe(GemmEpilogue epilogue)
    {
        var label = $"{(TransA ? 'T' : 'N')}{(TransB ? 'T' : 'N')} {M}×{N}×{K}";
        if (Batch > 1) label += $" ×{Batch}";
        if (Alpha != 1f) label += " α";
        if (Beta != 0f) label += " β";
        return epilogue switch
        {
            GemmEpilogue.Bias => label + " +bias",
            GemmEpilogue.BiasGelu => label + " +bias+gelu",
            _ => label,
        };
    }
}

/// <summary>What a GEMM does to each output element after the product (fused so the output is written once).</summary>
public enum GemmEpilogue
{
    None,
    /// <summary>C[i, j] += bias[j].</summary>
    Bias,
    /// <summary>pre = product + bias[j] is stored in the pre-activation output, C = GELU(pre). Requires β = 0.</summary>
    BiasGelu,
}
