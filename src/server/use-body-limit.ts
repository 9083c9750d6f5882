import type { Plugin } from 'graphql-yoga';

/**
 * Refuses request bodies whose declared Content-Length is over `maxBytes`
 * with HTTP 413 (SPEC §6), before anything reads them; yoga has no limit of
 * its own. Chunked bodies without a Content-Length are not counted yet (the
 * hardening work adds a counting reader).
 */
export interface BodyLimitPluginOptions {
  readonly maxBytes: number;
}

export function useBodyLimit(options: BodyLimitPluginOptions): Plugin {
  return {
    onRequest({ request, fetchAPI, endResponse }) {
      const declared = Number(request.headers.get('content-length') ?? NaN);
      if (!Number.isFinite(declared) || declared <= options.maxBytes) return;
      const body = {
        errors: [{ message: `Request body is larger than ${options.maxBytes} bytes.`, extensions: { code: 'RESOURCE_LIMIT' } }],
      };
      endResponse(new fetchAPI.Response(JSON.stringify(body), { status: 413, headers: { 'content-type': 'application/json' } }));
    },
  };
}
