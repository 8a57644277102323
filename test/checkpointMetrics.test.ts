/**
 * Checkpoint metadata is also exposed as metrics: runJob({ metrics }) reports
 * completed checkpoints, the last one's id, duration, alignment, size, and
 * per-operator sizes and watermarks, in the registry's Prometheus text.
 */
import { assignTimestampsAndWatermarks, boundedOutOfOrderness, count, fromCollection, keyBy, MetricRegistry, runJob, type CheckpointMetadata } from '../src';

describe('checkpoint metrics', () => {
  it('reports every completed checkpoint and the last one’s metadata', async () => {
    const metrics = new MetricRegistry();
    const words = Array.from({ length: 100_000 }, (_, i) => ({ w: `w${i % 9}`, t: i }));
    const job = runJob({
      checkpointInterval: 1,
      batchesPerSlice: 4,
      metrics,
      name: 'wc',
      pipeline: () =>
        fromCollection(words, { timestamp: (r) => r.t }).pipe(
          assignTimestampsAndWatermarks(boundedOutOfOrderness(10)),
          keyBy((r: { w: string }) => r.w),
          count(),
        ),
    });
    const result = await job.done;
    expect(result.checkpoints.length).toBeGreaterThan(0);
    const last: CheckpointMetadata = result.checkpoints[result.checkpoints.length - 1];
    expect(metrics.counter('streamlite_checkpoints_completed_total', { job: 'wc' }).value).toBe(result.checkpoints.length);
    expect(metrics.gauge('streamlite_last_checkpoint_id', { job: 'wc' }).value).toBe(last.checkpointId);
    expect(metrics.gauge('streamlite_last_checkpoint_size_bytes', { job: 'wc' }).value).toBe(last.sizeBytes);
    expect(metrics.gauge('streamlite_last_checkpoint_duration_ms', { job: 'wc' }).value).toBe(last.durationMs);
    for (const [operator, { sizeBytes }] of Object.entries(last.operators)) {
      expect(metrics.gauge('streamlite_checkpoint_operator_size_bytes', { job: 'wc', operator }).value).toBe(sizeBytes);
    }
    expect(Object.keys(last.watermarks)).toContain('assignTimestampsAndWatermarks-0');
    expect(metrics.gauge('streamlite_checkpoint_watermark', { job: 'wc', operator: 'assignTimestampsAndWatermarks-0' }).value).toBe(
      last.watermarks['assignTimestampsAndWatermarks-0'],
    );
    const text = metrics.toPrometheusText();
    expect(text).toContain('# TYPE streamlite_checkpoints_completed_total counter');
    expect(text).toContain(`streamlite_last_checkpoint_id{job="wc"} ${last.checkpointId}`);
  });
});
