import { describe, expect, it } from 'vitest';
import { captureLogger } from '../../helpers/log-capture.js';

describe('logger redaction', () => {
  it('replaces registered secret values wherever they appear', () => {
    const { logger, lines } = captureLogger(['s3cr3t-Passw0rd']);

    logger.error('login failed for s3cr3t-Passw0rd', { detail: { nested: ['x s3cr3t-Passw0rd y'] } });

    expect(lines.join('\n')).not.toContain('s3cr3t-Passw0rd');
    expect(lines.join('\n')).toContain('[redacted]');
  });

  it('hides values under secret-looking keys and Authorization headers', () => {
    const { logger, lines } = captureLogger();

    logger.warn('request failed', { headers: { Authorization: 'Basic ZGVza2JyaWRnZTpodW50ZXIy' }, client_secret: 'abc123456', note: 'sent Bearer eyJhbGciOiJIUzI1NiJ9.payload' });

    const text = lines.join('\n');
    expect(text).not.toContain('ZGVza2JyaWRnZTpodW50ZXIy');
    expect(text).not.toContain('abc123456');
    expect(text).not.toContain('eyJhbGciOiJIUzI1NiJ9');
  });

  it('scrubs secrets out of error messages and stacks', () => {
    const { logger, lines } = captureLogger(['tok-9f8e7d6c']);

    logger.error('boom', { error: new Error('token tok-9f8e7d6c rejected') });

    expect(lines.join('\n')).not.toContain('tok-9f8e7d6c');
  });
});
