import type { Plugin } from 'graphql-yoga';

/**
 * Removes graphql-js's "Did you mean …?" from validation messages (docs/errors.md:
 * no schema suggestions; with policies they could name fields the caller
 * cannot see). graphql-js puts the suggestion last, naming fields, input
 * fields, arguments or enum values.
 *
 * The errors are edited in place: yoga's own validation hook sets their code
 * and HTTP status on the same objects, and its validation cache keeps them;
 * stripping twice is harmless.
 */
const SUGGESTION = /\s*Did you mean [^]*$/;

export function stripSuggestions(message: string): string {
  return message.replace(SUGGESTION, '');
}

export function useNoSuggestions(): Plugin {
  return {
    onValidate() {
      return ({ result }) => {
        for (const error of result) {
          if (SUGGESTION.test(error.message)) error.message = stripSuggestions(error.message);
        }
      };
    },
  };
}
