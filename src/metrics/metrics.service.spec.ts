import { MetricsService } from './metrics.service.js';

describe('MetricsService', () => {
  it('counts every prediction of a request by label and observes each probability (docs/metrics.md)', async () => {
    const metrics = new MetricsService();
    const batch = [0.9, 0.1, 0.2, 0.95, 0.3].map((spamProbability) => ({ label: spamProbability >= 0.5 ? 'spam' : 'ham', spamProbability }));
    metrics.observePredictions('7', batch);
    metrics.observePredictions('7', [{ label: 'spam', spamProbability: 0.99 }]);
    const { body } = await metrics.exposition();
    expect(body).toContain('spam_predictions_total{label="spam",model_version="7"} 3');
    expect(body).toContain('spam_predictions_total{label="ham",model_version="7"} 3');
    expect(body).toContain('spam_probability_count 6');
    expect(body).toContain('spam_probability_bucket{le="0.1"} 1');
    expect(body).toMatch(/spam_probability_sum 3\.4(4|39+\d*)\n/);
  });
});
