/**
 * aws-local-stepfunctions 3 declares Node >= 22 for a single API: `Promise.withResolvers` (ES2024,
 * Node 22), called once, when a Task is raced against its TimeoutSeconds. Its other newer calls
 * (`AbortSignal.any`, `Object.hasOwn`) are in Node 20. This machine and CI run Node 20, so the
 * state machine harness adds that one function as ECMA-262 defines it (NewPromiseCapability of
 * `this`), and only where it is missing: on Node 22 this module changes nothing.
 */

interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    // Non-enumerable, writable, configurable: the attributes of the built-in.
    configurable: true,
    writable: true,
    value: function withResolvers<T>(this: PromiseConstructor): Resolvers<T> {
      let resolve!: Resolvers<T>['resolve'];
      let reject!: Resolvers<T>['reject'];
      const promise = new this<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

export {};
