using MiniTransformer.Knn;
using MiniTransformer.Percolation;

namespace MiniTransformer.Tests.Knn;

public class HeldOutLossTests
{
    /// <summary>
    /// Two paths: cluster 0 (values 1, −1, 0.5) trains site 0 and tests site 2; cluster 1 (values 2, −2) has no training
    /// site and tests site 1, so it predicts 0 (its target's mean). Unshrunk 1-NN: cluster 0's test site gets y_0 = 1,
    /// error (1 − 0.5)² = 0.25; cluster 1's error is (0 − (−2))² = 4; the mean over the two test sites is 2.125.
    /// </summary>
    [Fact]
    public void ClusterWithoutTrainingSitesPredictsZero()
    {
        var set = ClusterSet.FromClusters(new ClusterSetInfo(),
            [(0L, new[] { -1, 0, 1 }, new[] { 1f, -1f, 0.5f }, (int[]?)null), (1L, new[] { -1, 0 }, new[] { 2f, -2f }, (int[]?)null)], 0);
        var split = new SiteSplit
        {
            Keys = [0.5f, 0.5f, 0f, 0.5f, 0f], TestFraction = 0.1, TestOffsets = [0, 1, 2], TestSites = [2, 1],
            MinTrainKey = [0.5f, 0.5f],
        };
        double loss = HeldOutLoss.Compute(set, split, new TreeNearestNeighbourRegressor(shrinkage: false),
            hasTraining: k => k == 0,
            fillMask: (k, mask) => { mask.Clear(); mask[0] = true; return 1; },
            new RegressorScratch());
        Assert.Equal(2.125, loss, 6);
    }
}
