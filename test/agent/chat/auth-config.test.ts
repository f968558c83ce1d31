import { describe, expect, it } from 'vitest';
import { readAuthConfig } from '../../../agent/chat/auth-config.js';
import { AgentConfigError } from '../../../agent/core/errors.js';
import { thrownBy } from '../../helpers/thrown.js';

const COGNITO_ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';

/** The AgentConfigError reading `env` throws; fails when it throws nothing or anything else. */
function configError(env: Record<string, string>): AgentConfigError {
  const error = thrownBy(() => readAuthConfig(env));
  expect(error).toBeInstanceOf(AgentConfigError);
  return error as AgentConfigError;
}

describe('readAuthConfig', () => {
  it('reads a Cognito configuration: lists trimmed, token_use access', () => {
    expect(readAuthConfig({ AUTH_MODE: 'COGNITO', AUTH_ISSUER: COGNITO_ISSUER, AUTH_CLIENT_IDS: ' web , cli,, ' })).toEqual({
      mode: 'COGNITO',
      issuer: COGNITO_ISSUER,
      clientIds: ['web', 'cli'],
      audiences: [],
      tokenUse: 'access',
    });
  });

  it('reads an OIDC configuration with audiences, clients, an explicit key set URL and token_use', () => {
    expect(
      readAuthConfig({
        AUTH_MODE: 'oidc',
        AUTH_ISSUER: 'https://login.example.com/',
        AUTH_JWKS_URL: 'https://keys.example.com/jwks',
        AUTH_AUDIENCES: 'api://chat',
        AUTH_CLIENT_IDS: 'spa',
        AUTH_TOKEN_USE: 'access',
      }),
    ).toEqual({
      mode: 'OIDC',
      issuer: 'https://login.example.com/',
      jwksUrl: 'https://keys.example.com/jwks',
      clientIds: ['spa'],
      audiences: ['api://chat'],
      tokenUse: 'access',
    });
  });

  it('reads IAM and NONE without any other variable', () => {
    expect(readAuthConfig({ AUTH_MODE: 'IAM', AUTH_ISSUER: 'not a url' })).toEqual({ mode: 'IAM' });
    expect(readAuthConfig({ AUTH_MODE: 'NONE' })).toEqual({ mode: 'NONE' });
  });

  it('accepts plain http only for an issuer on this machine', () => {
    for (const issuer of ['http://127.0.0.1:8080/pool', 'http://localhost:9000', 'http://[::1]:9000']) {
      expect(readAuthConfig({ AUTH_MODE: 'COGNITO', AUTH_ISSUER: issuer, AUTH_CLIENT_IDS: 'c' })).toMatchObject({ issuer });
    }
    expect(configError({ AUTH_MODE: 'COGNITO', AUTH_ISSUER: 'http://issuer.example.com', AUTH_CLIENT_IDS: 'c' }).message).toBe(
      'AUTH_ISSUER: must be an https URL (http only for 127.0.0.1 or localhost), got "http://issuer.example.com"',
    );
    expect(configError({ AUTH_MODE: 'COGNITO', AUTH_ISSUER: 'http://127.0.0.1.example.com', AUTH_CLIENT_IDS: 'c' }).variable).toBe('AUTH_ISSUER');
  });

  it.each([
    [{}, 'AUTH_MODE', 'AUTH_MODE: is required: one of COGNITO, OIDC, IAM, NONE'],
    [{ AUTH_MODE: 'JWT' }, 'AUTH_MODE', 'AUTH_MODE: must be one of COGNITO, OIDC, IAM, NONE, got "JWT"'],
    [{ AUTH_MODE: 'COGNITO', AUTH_CLIENT_IDS: 'c' }, 'AUTH_ISSUER', 'AUTH_ISSUER: is required when AUTH_MODE is COGNITO'],
    [{ AUTH_MODE: 'OIDC', AUTH_ISSUER: 'issuer.example.com', AUTH_AUDIENCES: 'a' }, 'AUTH_ISSUER', 'AUTH_ISSUER: must be a URL, got "issuer.example.com"'],
    [{ AUTH_MODE: 'COGNITO', AUTH_ISSUER: COGNITO_ISSUER }, 'AUTH_CLIENT_IDS', 'AUTH_CLIENT_IDS: is required when AUTH_MODE is COGNITO'],
    [{ AUTH_MODE: 'COGNITO', AUTH_ISSUER: COGNITO_ISSUER, AUTH_CLIENT_IDS: ' , ' }, 'AUTH_CLIENT_IDS', 'AUTH_CLIENT_IDS: is required'],
    [{ AUTH_MODE: 'COGNITO', AUTH_ISSUER: COGNITO_ISSUER, AUTH_CLIENT_IDS: 'c', AUTH_TOKEN_USE: 'id' }, 'AUTH_TOKEN_USE', 'AUTH_TOKEN_USE: must be access'],
    [{ AUTH_MODE: 'OIDC', AUTH_ISSUER: 'https://login.example.com' }, 'AUTH_AUDIENCES', 'AUTH_AUDIENCES: is required when AUTH_MODE is OIDC, unless AUTH_CLIENT_IDS is set'],
    [{ AUTH_MODE: 'OIDC', AUTH_ISSUER: 'https://login.example.com', AUTH_AUDIENCES: 'a', AUTH_JWKS_URL: 'http://keys.example.com' }, 'AUTH_JWKS_URL', 'AUTH_JWKS_URL: must be an https URL'],
    [{ AUTH_MODE: 'OIDC', AUTH_ISSUER: 'https://user:pw@login.example.com', AUTH_AUDIENCES: 'a' }, 'AUTH_ISSUER', 'AUTH_ISSUER: must not carry credentials'],
  ])('refuses %j, naming %s', (env, variable, message) => {
    const error = configError(env);
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(message)).toBe(true);
  });
});
