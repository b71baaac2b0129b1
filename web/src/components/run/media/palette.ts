// Colours for what the media panels draw by class or category: one colour per class id (the same for a box
// and a mask region of that class), as [r, g, b].
export type Rgb = [number, number, number];

const CLASS_COLORS: Rgb[] = [
  [230, 25, 75],
  [60, 180, 75],
  [0, 130, 200],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
  [240, 50, 230],
  [210, 245, 60],
  [250, 190, 212],
  [0, 128, 128],
  [220, 190, 255],
  [170, 110, 40],
  [255, 225, 25],
  [128, 0, 0],
  [170, 255, 195],
  [128, 128, 0],
  [255, 215, 180],
  [0, 0, 128],
  [128, 128, 128],
  [90, 90, 255],
];

export function classColor(id: number): Rgb {
  const n = CLASS_COLORS.length;
  return CLASS_COLORS[((Math.trunc(id) % n) + n) % n] ?? [128, 128, 128];
}

export function css(rgb: Rgb, alpha = 1): string {
  return alpha === 1 ? `rgb(${rgb.join(",")})` : `rgba(${rgb.join(",")},${alpha})`;
}
