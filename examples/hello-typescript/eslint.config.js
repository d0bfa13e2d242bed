import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config({ ignores: ['node_modules/', 'dist/'] }, js.configs.recommended, ...tseslint.configs.recommended, {
  rules: { eqeqeq: ['error', 'always'] },
});
