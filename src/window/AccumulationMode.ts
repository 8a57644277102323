/**
 * How successive panes of one window relate, like Beam's accumulation modes:
 * - `accumulating` (default): each pane holds everything so far (Flink's FIRE);
 * - `discarding`: each pane holds only what arrived since the previous pane;
 * - `retracting`: accumulating, and each new pane is preceded by a retraction
 *   of the previous pane's value (so a downstream sum stays right).
 */
export type AccumulationMode = 'accumulating' | 'discarding' | 'retracting';
