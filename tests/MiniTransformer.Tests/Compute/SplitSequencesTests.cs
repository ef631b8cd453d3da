using MiniTransformer.Compute;

namespace MiniTransformer.Tests.Compute;

public class SplitSequencesTests
{
    [Theory]
    [MemberData(nameof(BackendCases.All), MemberType = typeof(BackendCases))]
    public void InputsAreEachSequenceWithoutItsLastTokenAndTargetsWithoutItsFirst(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        foreach (var (count, length) in new[] { (1, 2), (7, 5), (33, 51), (3, 257) })
        {
            var sequences = Enumerable.Range(0, count * length).Select(i => i * 7 + 3).ToArray();
            int context = length - 1, pad = 5;
            using var source = backend.UploadNew<int>(sequences);
            // Outputs sit inside poisoned buffers at an offset: every position must be written, nothing around it.
            using var inputs = backend.UploadNew<int>(Enumerable.Repeat(-1, count * context + 2 * pad).ToArray());
            using var targets = backend.UploadNew<int>(Enumerable.Repeat(-1, count * context + 2 * pad).ToArray());
            backend.SplitSequences(inputs.Slice(pad, count * context), targets.Slice(pad, count * context), source, count, length);
            var gotInputs = backend.DownloadArray<int>(inputs);
            var gotTargets = backend.DownloadArray<int>(targets);
            for (int row = 0; row < count; row++)
                for (int t = 0; t < context; t++)
                {
                    Assert.Equal(sequences[row * length + t], gotInputs[pad + row * context + t]);
                    Assert.Equal(sequences[row * length + t + 1], gotTargets[pad + row * context + t]);
                }
            Assert.All(gotInputs[..pad].Concat(gotInputs[^pad..]).Concat(gotTargets[..pad]).Concat(gotTargets[^pad..]), v => Assert.Equal(-1, v));
        }
    }
}
