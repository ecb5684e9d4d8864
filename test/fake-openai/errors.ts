/** OpenAI's error envelope (components/schemas/ErrorResponse). */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function errorBody(message: string, type = 'invalid_request_error', param: string | null = null, code: string | null = null): OpenAIErrorBody {
  return { error: { message, type, param, code } };
}

/** Thrown by route handlers; the server turns it into an OpenAI-shaped error response. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }

  body(): OpenAIErrorBody {
    return errorBody(this.message, this.type, this.param, this.code);
  }
}

export function notFound(kind: string, id: string, param: string | null = null): ApiError {
  return new ApiError(404, `No ${kind} found with id '${id}'.`, 'invalid_request_error', param);
}

/** What the real API says for each status, used when an injected fault doesn't bring its own body. */
export function defaultFaultBody(status: number): OpenAIErrorBody {
  switch (status) {
    case 400:
      return errorBody('Bad request (injected fault).');
    case 401:
      return errorBody('Incorrect API key provided: sk-***. You can find your API key at https://platform.openai.com/account/api-keys.', 'invalid_request_error', null, 'invalid_api_key');
    case 403:
      return errorBody('You are not allowed to sample from this model.', 'invalid_request_error', null, 'unsupported_country_region_territory');
    case 404:
      return errorBody('The requested resource does not exist (injected fault).', 'invalid_request_error');
    case 429:
      return errorBody('Rate limit reached for requests (injected fault). Please try again in 1s.', 'requests', null, 'rate_limit_exceeded');
    case 503:
      return errorBody('The engine is currently overloaded, please try again later.', 'server_error', null, 'server_error');
    default:
      return status >= 500
        ? errorBody('The server had an error while processing your request. Sorry about that!', 'server_error', null, 'server_error')
        : errorBody(`Injected fault with status ${status}.`);
  }
}
