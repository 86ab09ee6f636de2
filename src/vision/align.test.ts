import { describe, expect, it } from 'vitest';
import { ARCFACE_TEMPLATE_112, alignmentMatrix, invertAffine, similarityTransform } from './align.js';
import type { Point } from './image.js';

const apply = (m: number[], [x, y]: Point): Point => [m[0]! * x + m[1]! * y + m[2]!, m[3]! * x + m[4]! * y + m[5]!];

describe('similarity alignment', () => {
  it('recovers a known rotation, scale and shift exactly', () => {
    const angle = 0.3, scale = 2.5, tx = 40, ty = -12;
    const m = [scale * Math.cos(angle), -scale * Math.sin(angle), tx, scale * Math.sin(angle), scale * Math.cos(angle), ty];
    const from = ARCFACE_TEMPLATE_112.map((p) => [...p] as Point);
    const to = from.map((p) => apply(m, p));
    const found = similarityTransform(from, to);
    found.forEach((v, i) => expect(v).toBeCloseTo(m[i]!, 6));
  });

  it('maps the landmarks of a tilted face onto the template (the sampling matrix is the inverse)', () => {
    const face: Point[] = ARCFACE_TEMPLATE_112.map(([x, y]) => [300 + 3 * (x * Math.cos(0.5) - y * Math.sin(0.5)), 200 + 3 * (x * Math.sin(0.5) + y * Math.cos(0.5))]);
    const sample = alignmentMatrix(face);
    const forward = invertAffine(sample);
    face.forEach((p, i) => {
      const [x, y] = apply(forward, p);
      expect(x).toBeCloseTo(ARCFACE_TEMPLATE_112[i]![0], 4);
      expect(y).toBeCloseTo(ARCFACE_TEMPLATE_112[i]![1], 4);
    });
  });
});
