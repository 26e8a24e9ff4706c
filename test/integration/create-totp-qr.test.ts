// createTotp draws its QR images only when they are selected, and then they still encode otpauthUri.
import { PNG } from 'pngjs';
import jsQR from 'jsqr';
import * as qr from '../../src/totp/qr.generator';
import { startGateway, type TestGateway } from '../support/gateway';

const CREATE = (fields: string) => ({ query: `mutation($i: CreateTotpInput!) { createTotp(input: $i) { ${fields} } }` });

describe('createTotp QR images', () => {
  let gw: TestGateway;
  const drawn = jest.spyOn(qr, 'qrMatrix');

  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    drawn.mockRestore();
    await gw.close();
  });
  beforeEach(() => drawn.mockClear());

  async function create(fields: string): Promise<Record<string, string>> {
    const userId = await gw.createUser();
    const response = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: gw.client.authorization! },
      body: JSON.stringify({ ...CREATE(fields), variables: { i: { userId } } }),
    });
    const body = (await response.json()) as { data: { createTotp: Record<string, string> }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    return body.data.createTotp;
  }

  it('encodes no QR matrix when neither image is selected', async () => {
    const totp = await create('totpId secret otpauthUri recoveryCodes');
    expect(totp.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(drawn).not.toHaveBeenCalled();
  });

  it('returns both images, from one matrix, when both are selected', async () => {
    const totp = await create('otpauthUri qrCode qrCodeSvg');
    expect(drawn).toHaveBeenCalledTimes(1);
    const png = PNG.sync.read(Buffer.from(totp.qrCode.slice('data:image/png;base64,'.length), 'base64'));
    expect(jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data).toBe(totp.otpauthUri);
    expect(totp.qrCodeSvg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  });

  it('returns the PNG alone when only qrCode is selected', async () => {
    const totp = await create('qrCode');
    expect(totp.qrCode).toMatch(/^data:image\/png;base64,/);
    expect(Object.keys(totp)).toEqual(['qrCode']);
  });
});
