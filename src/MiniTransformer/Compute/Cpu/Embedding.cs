namespace MiniTransformer.Compute.Cpu;

// Token (+ learned position) embedding gather, and its scatter-add gradient. The scatter is split over column
// chunks, so each embedding column receives its rows in ascending row order whatever the thread count.
public sealed unsafe partial class CpuBackend
{
    protected override void EmbeddingForwardCore(DeviceSlice<float> output, DeviceSlice<int> tokens, DeviceSlice<float> wte,
        DeviceSlice<float>? wpe, int batch, int seqLen, int channels)
    {
        float* o = Ptr(output), e = Ptr(wte), pos = wpe is { } p ? Ptr(p) : null;
        int* tok = Ptr(tokens);
        long rows = (long)batch * seqLen;
        CheckTokens(tok, rows, wte.Length / channels);
        ForChunks(rows, RowChunk, (start, end) =>
        {
            for (long r = start; r < end; r++)
            {
                float* row = o + r * channels, src = e + (long)tok[r] * channels;
                if (pos == null)
                {
                    new ReadOnlySpan<float>(src, channels).CopyTo(new Span<float>(row, channels));
                    continue;
                }
                float* pr = pos + r % seqLen * channels;
                for (int i = 0; i < channels; i++) row[i] = src[i] + pr[i];
            }
        });
    }

    protected override void EmbeddingBackwardCore(DeviceSlice<float> dWte, DeviceSlice<float>? dWpe, DeviceSlice<float> dOutput,
        DeviceSlice<int> tokens, int batch, int seqLen, int channels)
    {
        float* de = Ptr(dWte), dp = dWpe is { } p ? Ptr(p) : null, dy = Ptr(dOutput);
        int* tok = Ptr(tokens);
        long rows = (long)batch * seqLen;
        CheckTokens(tok, rows, dWte.Length / channels);
        ForChunks(channels, ColumnChunk, (start, end) =>
        {
            int width = (int)(end - start);
            for (long r = 0; r < rows; r++)
            {
                float* g = dy + r * channels + start;
                VectorMath.Axpy(1f, g, de + (long)tok[r] * channels + start, width);
                if (dp != null) VectorMath.Axpy(1f, g, dp + r % seqLen * channels + start, width);
            }
        });
    }

    private static void CheckTokens(int* tokens, long rows, long vocab)
    {
        for (long r = 0; r < rows; r++)
            if ((uint)tokens[r] >= vocab) throw new ArgumentException($"token {tokens[r]} at row {r} is outside the embedding table of {vocab} rows");
    }
}
