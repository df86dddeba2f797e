import { associativeScan } from '@elk/scan';

interface Peak {
  value: number;
  index: number;
}
const signal = Array.from({ length: 5000 }, (_, i) => Math.sin(i / 100) * (1 + i / 5000));
const elements: Peak[] = signal.map((value, index) => ({ value, index }));

// combine(earlier, later): associative, so the scan can run in chunks and in parallel.
const later = (earlier: Peak, next: Peak): Peak => (next.value > earlier.value ? next : earlier);
export const runningPeak = associativeScan(later, elements);
console.log(runningPeak.at(-1)); // the largest value of the whole signal and where it occurred
