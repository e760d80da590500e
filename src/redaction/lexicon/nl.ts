import type { Lexicon } from "./lexicon-type.js";

/** Dutch: common given names (incl. names common among Moroccan- and Turkish-Dutch families); compiled for this project. */
export const nl: Lexicon = {
  firstNames: `Adam Amira Anna Anne Annemiek Anouk Ayoub Bart Bas Bo Bram Britt Daan Demi Dennis Dirk Dylan Elin Eline Emma Erik Esmee Esther Eva Evi
    Fatima Fenna Femke Finn Fleur Floor Floris Gerrit Gijs Guus Hanna Hans Henk Hester Hidde Hugo Ilse Ingrid Iris Isa Isabel Ivy Jan Jasmijn Jasper Jayden Jelle Jens Jente Jesse Jet Job Joep Joost Jop Jordi Julia Julian Jurre Juul
    Kees Kevin Kim Kirsten Koen Lara Lars Laura Levi Liam Lieke Linda Lisa Liz Loes Lotte Luca Lucas Luuk Lynn Maarten Manon Marieke Mark Marloes Martijn Mats Matthijs Maud Max Mees Melle Merel Mila Milan Mirjam Mohammed
    Niels Nienke Nina Noa Noah Noor Nora Olivier Olivia Pieter Pim Puck Quinten Rayan Renske Rick Rob Roos Rosa Ruben Rutger Saar Sander Sanne Sara Sarah Sem Siem Sophie Stan Sterre Stijn Suzanne Sven
    Tess Tessa Teun Thijs Thomas Ties Tijn Tim Tom Tygo Veerle Vincent Wendy Willem Wouter Yara Yasmin Youssef Zoë Zoe Sofie Emre Mehmet Elif Zeynep Ilias Nouri`,
  ambiguous: "bo roos merel mark bob floor jet job ties stan ivy kim jan lot ben mees rob",
  cueWords: `vriend vriendje vriendin vriendinnetje maat maatje beste broer broertje zus zusje neef nicht vriendje vriendinnetje ex
    moeder mama mam vader papa pap stiefvader stiefmoeder stiefvader oom tante opa oma juf meester leraar lerares mentor mentrix klasgenoot buurman buurvrouw buurjongen buurmeisje trainer coach
    heet heette genaamd genoemd`,
  stopwords: `en is was ben bent zijn niet ik jij je hij zij ze we wij jullie het de een die dat dit deze wat wie waar hoe maar of als dan want omdat met op in aan van voor naar bij uit
    heeft had heb hebben wil wilde kan kon moet moest gaat ging doet deed zegt zei vertelde weet woont komt kwam slaat sloeg pest bedreigt
    mijn mn m'n jouw zijn haar hun ons onze ook alleen nu toen straks gisteren vandaag morgen altijd nooit echt heel erg beetje hoi hey oke ok ja nee misschien
    vriend broer zus moeder vader iemand iets alle andere nieuw oud klein groot`,
  // Inflected forms of names that are words (checked against voikko-fi, wswedish, wdutch, myspell-et, wbritish).
  notNames: "bas",
};
