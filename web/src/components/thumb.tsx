import { thumbUrl } from '../api.js';

export function Thumb({ faceId, size = 160, alt = '' }: { faceId: number | null; size?: number; alt?: string }) {
  if (faceId === null) return <div class="thumb empty" style={{ width: size, height: size }} aria-label="no face" />;
  return <img class="thumb" src={thumbUrl(faceId, size <= 64 ? 64 : size <= 96 ? 96 : 160)} width={size} height={size} loading="lazy" decoding="async" alt={alt} />;
}
