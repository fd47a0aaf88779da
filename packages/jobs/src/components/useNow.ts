import { useEffect, useState } from 'react';

/**
 * Re-renders every `ms` while `on`, so ages and running durations move on their own; the time
 * is read at each render, as other changes (a new job) render in between.
 */
export function useNow(on: boolean, ms: number): number {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!on) {
      return;
    }
    const timer = setInterval(() => setTick(t => t + 1), ms);
    return () => clearInterval(timer);
  }, [on, ms]);
  return Date.now();
}
