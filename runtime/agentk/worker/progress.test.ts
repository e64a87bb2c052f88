import { ProgressThrottle } from "./progress";
import { manualClock } from "../../../test/manual-clock";

test("the first report goes at once; within the interval only the latest goes, when the interval ends", () => {
  const clock = manualClock();
  const sent: number[] = [];
  const p = new ProgressThrottle<number>((v) => sent.push(v), 1000, clock);
  p.push(1);
  expect(sent).toEqual([1]);
  clock.advance(200);
  p.push(2);
  p.push(3);
  expect(sent).toEqual([1]);
  clock.advance(800);
  expect(sent).toEqual([1, 3]);
  clock.advance(5000);
  p.push(4);
  expect(sent).toEqual([1, 3, 4]);
});

test("stop drops a waiting report and refuses later ones (the final report follows)", () => {
  const clock = manualClock();
  const sent: number[] = [];
  const p = new ProgressThrottle<number>((v) => sent.push(v), 1000, clock);
  p.push(1);
  p.push(2);
  p.stop();
  clock.advance(2000);
  p.push(3);
  expect(sent).toEqual([1]);
});
