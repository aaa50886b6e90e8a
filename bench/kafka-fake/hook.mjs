// The resolve hook of register.mjs: node-rdkafka → fake-rdkafka.mjs.
export async function resolve(spec, ctx, next) {
  if (spec === 'node-rdkafka') return { url: new URL('./fake-rdkafka.mjs', import.meta.url).href, shortCircuit: true };
  return next(spec, ctx);
}
