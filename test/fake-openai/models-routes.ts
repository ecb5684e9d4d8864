import { ApiError } from './errors';
import { json, type RouteTable } from './routes';

/** The models the double offers (what snapask's config names by default, and a few more); any other is missing. */
export const FAKE_MODELS = ['gpt-4.1-mini', 'gpt-4.1', 'gpt-4o', 'gpt-4o-mini', 'gpt-4o-mini-tts', 'gpt-4o-transcribe'];

/** GET /models/{model}: the model object, or the real API's 404 for a model the key may not use. */
export function modelsRoutes(): RouteTable {
  return {
    'GET /models/{model}': (ctx) => {
      const id = ctx.params.model ?? '';
      if (!FAKE_MODELS.includes(id)) {
        throw new ApiError(404, `The model \`${id}\` does not exist or you do not have access to it.`, 'invalid_request_error', null, 'model_not_found');
      }
      return json({ id, object: 'model', created: 1686935002, owned_by: 'system', shutdown_date: null });
    },
  };
}
