import { IsBoolean, IsOptional, IsString, Length } from 'class-validator';
import { MAX_TEXT_LENGTH, TrimStrings } from './message-text.js';

export class PredictRequestDto {
  @TrimStrings()
  @IsString()
  @Length(1, MAX_TEXT_LENGTH, { message: `text must be 1 to ${MAX_TEXT_LENGTH} characters after trimming` })
  text!: string;

  /** Also return the decomposition of the score (docs/api.md "Explanations"). */
  @IsOptional()
  @IsBoolean()
  explain?: boolean;
}
