import { describe, expect, it } from 'vitest';
import { createPool, redactUrl } from '../../../src/state/postgres/pool.js';

describe('PostgreSQL pool (no server needed)', () => {
  it('takes postgres:// and postgresql:// URLs, connecting lazily, and refuses anything else without showing the password', async () => {
    for (const url of ['postgres://u:p@127.0.0.1:1/db', 'postgresql://127.0.0.1/db', 'POSTGRES://h/db']) await createPool(url).end();
    expect(() => createPool('mysql://u:secret@h/db')).toThrow('not a PostgreSQL URL (postgres://…): mysql://u:***@h/db');
    expect(() => createPool('state.db')).toThrow(/not a PostgreSQL URL/);
  });

  it('names a database without its password', () => {
    expect(redactUrl('postgres://deskbridge:s3cret@db.example:5432/desk?sslmode=require')).toBe('postgres://deskbridge:***@db.example:5432/desk?sslmode=require');
    expect(redactUrl('postgres://db.example/desk')).toBe('postgres://db.example/desk');
  });
});
