/** templatePath: identifier-shaped segments become typed placeholders; nothing else of the path changes. */
import { describe, expect, it } from 'vitest';
import { templatePath } from '../../../src/transforms/url/path-template.js';

describe('templatePath', () => {
  it.each([
    ['/users/12345/orders/550e8400-e29b-41d4-a716-446655440000?page=2', '/users/{id}/orders/{uuid}'],
    ['/profile/jo@example.com', '/profile/{email}'],
    ['/profile/jo%40example.com/edit', '/profile/{email}/edit'],
    ['/files/5f2b9c7e1a3d4b6c', '/files/{hex}'],
    ['/reset/eyJhbGciOiJIUzI1NiJ9abc123XYZ', '/reset/{token}'],
    ['/hosts/192.0.2.44', '/hosts/{ip}'],
    ['/orders/[uuid]/items', '/orders/{uuid}/items'],
    ['/blog/privacy-by-design-2024', '/blog/privacy-by-design-2024'],
    ['/invoice-1234567', '/{id}'],
    ['/', '/'],
    ['', '/'],
    ['https://shop.example.org/cart/42#top', '/cart/{id}'],
    ['/about?email=jo@example.com', '/about'],
  ])('%s → %s', (path, template) => {
    expect(templatePath(path)).toBe(template);
  });

  it('bounds a long path at a segment boundary', () => {
    const t = templatePath('/' + Array.from({ length: 40 }, (_, i) => `section${String.fromCharCode(97 + (i % 26))}`).join('/'));
    expect(t.length).toBeLessThanOrEqual(210);
    expect(t.endsWith('/…')).toBe(true);
  });
});
