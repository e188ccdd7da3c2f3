// koa-redis ships no types; this is the part the bench uses.
declare module 'koa-redis' {
  interface KoaRedisOptions {
    url?: string;
    [option: string]: unknown;
  }
  interface KoaRedisStore {
    get(key: string, maxAge: number, options: unknown): Promise<unknown>;
    set(key: string, session: unknown, maxAge: number, options: unknown): Promise<void>;
    destroy(key: string, options: unknown): Promise<void>;
    quit(): Promise<unknown>;
    client: { quit(): Promise<unknown>; disconnect(): void };
  }
  function redisStore(options?: KoaRedisOptions): KoaRedisStore;
  export default redisStore;
}
